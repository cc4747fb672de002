#!/usr/bin/env bash
# Installs what building and testing Zhijian needs, only where it is missing.
set -euo pipefail

need_apt=()
pkg-config --exists xlsxwriter 2>/dev/null || need_apt+=(libxlsxwriter-dev)
pkg-config --exists libqrencode 2>/dev/null || need_apt+=(libqrencode-dev)
# The bulletin in PDF: Pango and Cairo typeset it, librsvg draws its pictures, Noto CJK are its fonts,
# and the tests read it back with poppler's pdfinfo, pdffonts and pdftotext.
pkg-config --exists pangocairo 2>/dev/null || need_apt+=(libpango1.0-dev libcairo2-dev)
pkg-config --exists librsvg-2.0 2>/dev/null || need_apt+=(librsvg2-dev)
fc-list :lang=zh 2>/dev/null | grep -q "Noto Serif CJK" || need_apt+=(fonts-noto-cjk)
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
[ -e /usr/include/sqlite3.h ] || need_apt+=(libsqlite3-dev)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
# The report form's round trip through LibreOffice (the tests convert the project's own export).
command -v libreoffice >/dev/null || need_apt+=(libreoffice-calc-nogui)
if [ "${WITH_BROWSER:-0}" = 1 ]; then
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
  # A real QR reader for the certificate codes: SVG → PNG → zbarimg.
  command -v zbarimg >/dev/null || need_apt+=(zbar-tools)
  command -v rsvg-convert >/dev/null || need_apt+=(librsvg2-bin)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "deps: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

py_need=()
python3 -c 'import openpyxl' 2>/dev/null || py_need+=(openpyxl)
python3 -c 'import joserfc' 2>/dev/null || py_need+=(joserfc)
python3 -c 'import jwt, cryptography' 2>/dev/null || py_need+=(pyjwt cryptography)
python3 -c 'import openapi_spec_validator, yaml' 2>/dev/null || py_need+=(openapi-spec-validator pyyaml)
py_nodeps=()
if [ "${WITH_BROWSER:-0}" = 1 ]; then
  python3 -c 'import selenium' 2>/dev/null || py_need+=(selenium)
  # axe-core's axe.min.js for the crawl's accessibility checks, as this package ships it (injected
  # through Selenium: the package's own Playwright dependency is not needed, hence --no-deps).
  python3 -c 'import importlib.util as u; exit(u.find_spec("axe_playwright_python") is None)' 2>/dev/null || py_nodeps+=(axe-playwright-python)
fi
if [ ${#py_need[@]} -gt 0 ]; then
  echo "deps: pip install ${py_need[*]}"
  python3 -m pip install -q "${py_need[@]}" 2>&1 | grep -v "Running pip as the 'root' user" || true
fi
if [ ${#py_nodeps[@]} -gt 0 ]; then
  echo "deps: pip install --no-deps ${py_nodeps[*]}"
  python3 -m pip install -q --no-deps "${py_nodeps[@]}" 2>&1 | grep -v "Running pip as the 'root' user" || true
fi
