# Sourced by the shell tests' own lib.sh after it has set WORK: a fresh scratch
# directory to run in, pass/fail counters and the checks every test uses.
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
passed=0
failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect CODE DESCRIPTION -- COMMAND...: runs the command (stdout in out.txt,
# stderr in err.txt) and checks its exit code.
expect() {
    want=$1 desc=$2
    shift 3
    "$@" >out.txt 2>err.txt
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else
        fail "$desc: exit $got, expected $want: $*"
        sed 's/^/    /' err.txt
    fi
}

# stderr_has TEXT DESCRIPTION: the last command's messages contain TEXT.
stderr_has() {
    if grep -q -- "$1" err.txt; then ok; else
        fail "$2: no '$1' in the messages:"
        sed 's/^/    /' err.txt
    fi
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
