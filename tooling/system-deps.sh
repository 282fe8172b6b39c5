#!/usr/bin/env sh
# Installs the system packages the tests need, once: Debian's chromium, which brings headless
# Chromium (the browser tests) and SwiftShader's Vulkan driver (WebGPU without a GPU, through Dawn).
# Does nothing when they are already there. Needs root or sudo, and apt (Debian/Ubuntu).
set -eu
if [ -x /usr/bin/chromium ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: chromium is missing and apt-get is not available; install Chromium with its SwiftShader Vulkan driver (Debian package 'chromium') by hand" >&2
  exit 1
fi
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
echo "system-deps: installing Debian's chromium (headless browser tests, SwiftShader WebGPU)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
