@echo off
chcp 65001 >nul
rem 双击打开本机预览：改了文件，浏览器里的页面自动刷新。关掉这个窗口就停止预览。
cd /d "%~dp0.."
python build.py serve
pause
