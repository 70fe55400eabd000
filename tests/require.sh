# shellcheck shell=sh
# require.sh - sourced by the shell tests: a tool or Python module a test needs that is
# missing FAILS the test (exit 1), naming it and its Debian package. A test never skips
# for want of a tool: scripts/install-deps installs them all, and a CI run on a machine
# without one must not pass having tested less.

# require TOOL...: each TOOL (a name looked up on PATH, or a path) can be run.
require() {
    for _tool in "$@"; do
        command -v "$_tool" >/dev/null 2>&1 ||
            require_fail "'$_tool' not found on PATH" "$(require_package "$(basename "$_tool")")"
    done
}

# require_python MODULE...: python3 imports each MODULE.
require_python() {
    require python3
    for _mod in "$@"; do
        python3 -c "import $_mod" 2>/dev/null ||
            require_fail "python3 cannot import $_mod" "$(require_package "$_mod")"
    done
}

# require_file FILE PACKAGE: FILE (a plugin, a library) exists.
require_file() {
    [ -e "$1" ] || require_fail "$1 not found" "$2"
}

require_fail() {
    echo "FAIL: required: $1 (install $2; scripts/install-deps installs everything the tests need)" >&2
    exit 1
}

# The package that brings TOOL or MODULE (scripts/install-deps lists each).
require_package() {
    case $1 in
    dciodvfy) echo "the Debian package dicom3tools" ;;
    gdcminfo) echo "the Debian package libgdcm-tools" ;;
    dcmdump | dcmconv | storescu | storescp | echoscu | movescu) echo "the Debian package dcmtk" ;;
    zstd) echo "the Debian package zstd" ;;
    opj_compress | opj_decompress) echo "the Debian package libopenjp2-tools" ;;
    Orthanc) echo "the Debian package orthanc" ;;
    curl) echo "the Debian package curl" ;;
    gnuplot) echo "the Debian package gnuplot-nox" ;;
    clang | clang++) echo "the Debian packages clang and libclang-rt-14-dev" ;;
    initdb | pg_ctl | createdb) echo "the Debian package postgresql" ;;
    runuser) echo "the Debian package util-linux" ;;
    python3) echo "the Debian package python3" ;;
    numpy) echo "numpy (pip, as scripts/install-deps does)" ;;
    pydicom) echo "pydicom 3 (pip, as scripts/install-deps does)" ;;
    *) echo "$1" ;;
    esac
}
