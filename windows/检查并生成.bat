@echo off
chcp 65001 >nul
rem 双击检查全部内容；没有错误就生成网站到 site 文件夹。
cd /d "%~dp0.."
python build.py check
if errorlevel 1 (
  echo.
  echo 有错误，网站没有生成。请按上面提示的文件和行改正后再双击。
  pause
  exit /b 1
)
python build.py build
pause
