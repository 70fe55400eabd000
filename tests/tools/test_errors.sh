# Errors are named, exit with DCMTK-style codes (tools/README.md), and never
# leave a partial or temporary output or touch an existing one.
. "$(dirname "$0")/lib.sh"
make_crop
FAST="--mode e2e --width 8 --epochs 3 --threads 1"

expect 1 "no command" -- "$E2EC"
expect 1 "unknown command" -- "$E2EC" squash a b
expect 1 "unknown option" -- "$E2EC" compress crop.raw c.e2ec --wdith 8
stderr_has "--wdith" "unknown option named"
expect 1 "unknown preset" -- "$E2EC" compress crop.raw c.e2ec --preset turbo
stderr_has "turbo" "unknown preset named"
expect 1 "bad number" -- "$E2EC" compress crop.raw c.e2ec --epochs many
stderr_has "--epochs" "bad number named"
expect 1 "bad choice" -- "$E2EC" compress crop.raw c.e2ec --scale 3
expect 1 "missing argument" -- "$E2EC" compress crop.raw
expect 0 "help" -- "$E2EC" compress --help
grep -q -- "--epochs" out.txt && ok || fail "compress --help does not list --epochs"

# Input files that cannot be read: 20.
expect 20 "missing input" -- "$E2EC" compress nothing.nii.gz c.e2ec
stderr_has "nothing.nii.gz" "missing input named"
mkdir adir.raw
expect 20 "directory as input" -- "$E2EC" compress adir.raw c.e2ec $CROP_ARGS
stderr_has "directory" "directory input explained"
expect 20 "missing stream" -- "$E2EC" decompress nothing.e2ec x.raw
if [ "$(id -u)" -ne 0 ]; then # root reads anything
    cp crop.raw locked.raw && chmod 000 locked.raw
    expect 20 "unreadable input" -- "$E2EC" compress locked.raw c.e2ec $CROP_ARGS
    stderr_has "locked.raw" "unreadable input named"
fi

# A good stream, then broken copies of it: 22 and a named error.
expect 0 "compress" -- "$E2EC" compress crop.raw c.e2ec $CROP_ARGS $FAST
size=$(wc -c <c.e2ec | tr -d ' ')
printf 'old' >x.raw
for n in 0 3 16 $((size / 2)) $((size - 1)); do
    head -c "$n" c.e2ec >t.e2ec
    expect 22 "stream truncated to $n bytes" -- "$E2EC" decompress t.e2ec x.raw
    stderr_has "t.e2ec" "truncated stream named"
    stderr_has "E2EC_ERR_" "truncated stream: error named"
    expect 22 "info on $n bytes" -- "$E2EC" info t.e2ec
done
stderr_has "E2EC_ERR_TRUNCATED" "a stream cut one byte short is called truncated"
[ "$(cat x.raw)" = old ] && ok || fail "a failed decode touched the existing output"
{ printf 'NOPE'; tail -c +5 c.e2ec; } >m.e2ec
expect 22 "bad magic" -- "$E2EC" decompress m.e2ec y.raw
stderr_has "E2EC_ERR_MAGIC" "bad magic named"
[ ! -e y.raw ] && ok || fail "output left behind by a failed decode"

# Outputs that cannot be written: 40, and nothing left behind.
expect 40 "output in a missing directory" -- "$E2EC" compress crop.raw nodir/c.e2ec $CROP_ARGS $FAST
stderr_has "nodir/c.e2ec" "unwritable output named"
expect 40 "decompress into a missing directory" -- "$E2EC" decompress c.e2ec nodir/d.nii.gz
mkdir out.raw
expect 40 "output is a directory" -- "$E2EC" decompress c.e2ec out.raw

# Volumes of different sizes cannot be compared: 82.
expect 0 "make a smaller volume" -- "$E2EC" convert crop.raw small.mha $CROP_ARGS --crop 0,0,0,8,8,8
expect 82 "compare different sizes" -- "$E2EC" compare crop.raw small.mha $CROP_ARGS
stderr_has "differ in size" "size difference explained"

no_temp_files
finish
