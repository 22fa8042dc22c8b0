@echo off
chcp 65001 >nul
rem 双击打开表单编辑器：在浏览器里填表修改公开内容，不用写 YAML。关掉这个窗口就停止。
cd /d "%~dp0.."
python build.py edit --open
pause
