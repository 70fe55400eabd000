# Crash-safe writes (util/atomic_file.h): e2ec compress, e2ec decompress, dcme2ec
# and dcme2ed are killed while they write their output, and at points spread over a
# run; after each kill the target holds either the previous complete file (byte for
# byte) or the complete new one, never a partial file. A killed run may leave its
# hidden temporary file (.tmp-<pid>-XXXXXX-<name>); the next run of the same target
# removes it, and no temporary is ever left by a run that completes.
#
# A kill at a chosen time rarely lands inside the write (it lasts a few ms of a run of
# seconds), so the kills inside it are made certain instead: WRITE_KILLS runs get a
# file size limit (RLIMIT_FSIZE, set by prlimit) at 0, 1/WRITE_KILLS, ... of the
# output's size; the write that would pass it raises SIGXFSZ, whose default action
# ends the process at once, as SIGKILL does (no handler, no exit code of ours runs).
# Each such run must end by that signal and leave its temporary holding exactly the
# limit's bytes: the proof that it died in the middle of writing it, after the
# temporary was created and before the rename.
. "$(dirname "$0")/lib.sh"
KILLS=${E2EC_KILLS:-10}
WRITE_KILLS=${E2EC_WRITE_KILLS:-4}
command -v prlimit >/dev/null || { echo "FAIL: required: prlimit (the Debian package util-linux)"; exit 1; }

# millis: a monotonic-enough clock in milliseconds
millis() { date +%s%3N; }

# kill_runs NAME TARGET CHECK -- COMMAND...: times one complete run, then
#  - KILLS runs killed with SIGKILL at 1.3 i/KILLS of that time (i = 1..KILLS: the
#    last ones near the end, where the output is written, or after it); each is
#    stopped (SIGSTOP) before its SIGKILL, so that where it was is seen: before its
#    write (no temporary yet, the previous file), inside it (its temporary exists:
#    the rename, atomic, has not happened) or after the rename (the new file);
#  - WRITE_KILLS runs killed inside the write by a file size limit (above);
# after each, CHECK TARGET must accept the target; then a complete run removes what
# the kills left.
kill_runs() {
    name=$1 target=$2 check=$3
    shift 4
    prev=prev."${target##*.}"
    t0=$(millis)
    "$@" >/dev/null 2>run.err || { fail "$name: the run to time failed"; sed 's/^/    /' run.err; return; }
    span=$(($(millis) - t0))
    size=$(wc -c <"$target")
    cp -p "$target" "$target.new"
    "$check" "$target" || { fail "$name: a complete run's output is refused by $check"; return; }
    cp -p "$prev" "$target" # the previous complete file, back in place
    i=0
    before=0 inside=0 after=0
    while [ $i -lt "$KILLS" ]; do
        delay=$((span * (i + 1) * 13 / (10 * KILLS)))
        "$@" >/dev/null 2>&1 &
        pid=$!
        sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
        kill -STOP $pid 2>/dev/null
        writing=$(find . -maxdepth 1 -name ".tmp-$pid-*")
        kill -9 $pid 2>/dev/null
        wait $pid 2>/dev/null
        if cmp -s "$target" "$prev"; then
            if [ -n "$writing" ]; then inside=$((inside + 1)); else before=$((before + 1)); fi
            ok
        elif [ -z "$writing" ] && "$check" "$target"; then
            after=$((after + 1))
            ok
            cp -p "$prev" "$target" # the next kill starts from the old file again
        else
            fail "$name: killed at ${delay} ms of ${span}: $target is neither the previous nor a complete file"
            cp "$target" "partial-$name-$i"
            cp -p "$prev" "$target"
        fi
        i=$((i + 1))
    done
    echo "$name: run ${span} ms, $size bytes written; of $KILLS SIGKILLs, $before landed before the write, $inside inside it, $after after the rename"
    # kills inside the write, certain: each run's limit below the output's size
    i=0 limits='' hits=0
    while [ $i -lt "$WRITE_KILLS" ]; do
        limit=$((size * i / WRITE_KILLS))
        prlimit --fsize="$limit" --core=0 -- "$@" >/dev/null 2>&1 &
        pid=$! # prlimit execs the command: this is its pid (no core file: --core=0)
        wait $pid 2>/dev/null
        status=$?
        tmp=$(find . -maxdepth 1 -name ".tmp-$pid-*-$(basename "$target")")
        landed=yes
        if [ "$status" -le 128 ] || [ "$(kill -l "$status")" != XFSZ ]; then
            fail "$name: the run limited to $limit of $size bytes ended with status $status, not killed by SIGXFSZ inside its write"
            landed=
        elif [ -z "$tmp" ] || [ "$(wc -c <"$tmp")" -ne "$limit" ]; then
            fail "$name: killed by the limit of $limit bytes, but no temporary of $limit bytes (what it had written) is left: ${tmp:-none}"
            landed=
        fi
        # the kill left nothing under the final name: the previous file, whole
        if ! cmp -s "$target" "$prev"; then
            fail "$name: killed writing its first $limit of $size bytes, $target is not the previous file"
            cp -p "$prev" "$target"
            landed=
        fi
        [ -n "$landed" ] && hits=$((hits + 1)) && ok
        # each run removed the temporary of the run killed before it: one is left
        [ "$(find . -name '.tmp-*' | wc -l)" -eq 1 ] && ok ||
            fail "$name: after the kill at $limit bytes, temporaries: $(find . -name '.tmp-*')"
        limits="$limits $limit"
        i=$((i + 1))
    done
    echo "$name: $hits of $WRITE_KILLS kills (at$limits of $size bytes) landed inside the write and left the previous file whole"
    # what the kills left: hidden temporaries only, named after the target
    find . -name '.tmp-*' | grep -v -- "-$(basename "$target")\$" | grep -q . &&
        fail "$name: a temporary not named after the target: $(find . -name '.tmp-*')"
    # the next complete run removes the temporaries of the killed ones
    [ -n "$(find . -name '.tmp-*')" ] && ok || fail "$name: the kills inside the write left no temporary"
    "$@" >/dev/null 2>run.err || fail "$name: the run after the kills failed"
    left=$(find . -name '.tmp-*')
    [ -z "$left" ] && ok || fail "$name: temporaries left after a complete run: $left"
    "$check" "$target" && ok || fail "$name: the run after the kills wrote a target refused by $check"
    cp -p "$prev" "$target"
}

# checks of a complete target
same_as_new() { cmp -s "$1" "$1.new"; }
whole_dicom() { dcmdump -q "$1" >/dev/null 2>&1; }

make_raw v.raw
# a larger volume for decompress, so that a kill can land while it writes
LC_ALL=C awk 'BEGIN { for (i = 0; i < 128 * 128 * 48; i++) printf "%c", 32 + (i * 7) % 180 }' \
    </dev/null >big.raw

# e2ec compress: the previous file is an older stream of the same volume
"$E2EC" compress v.raw prev.e2ec $RAW_ARGS --mode siren --width 8 --epochs 2 --threads 1 >/dev/null 2>&1 ||
    fail "previous stream"
cp prev.e2ec out.e2ec
kill_runs compress out.e2ec same_as_new -- \
    "$E2EC" compress v.raw out.e2ec $RAW_ARGS --mode siren --width 16 --epochs 150 --threads 1

# e2ec decompress: the previous file is the small volume
"$E2EC" compress big.raw big.e2ec --dims 128,128,48 --type u8 --mode siren-ds --scale 4 \
    --width 24 --epochs 1 --threads 1 >/dev/null 2>&1 || fail "stream of the large volume"
cp v.raw prev.raw
cp prev.raw out.raw
kill_runs decompress out.raw same_as_new -- "$E2EC" decompress big.e2ec out.raw --threads 1

# dcme2ec: the previous file is an older object of the series; the new one has new
# UIDs each run, so a complete new file is one DCMTK reads whole
series=$SAMPLES/mr-t1-head-dicom
"$DCME2EC" --mode siren-ds --scale 4 --width 8 --epochs 1 --threads 1 "$series" prev.dcm ||
    fail "previous object"
cp prev.dcm out.dcm
kill_runs dcme2ec out.dcm whole_dicom -- \
    "$DCME2EC" --mode siren-ds --scale 4 --width 16 --epochs 20 --threads 1 "$series" out.dcm

# dcme2ed: the previous file is the compressed object itself (any complete DICOM file)
mkdir dec && cd dec || exit 1
cp ../prev.dcm prev.dcm
"$DCME2EC" --mode siren-ds --scale 2 --width 24 --epochs 1 --threads 1 "$series" in.dcm ||
    fail "object to decode"
cp prev.dcm out.dcm
kill_runs dcme2ed out.dcm whole_dicom -- "$DCME2ED" --threads 1 in.dcm out.dcm

# Temporaries the kills above do not leave, made by hand: the next run of the same
# target removes a dead writer's temporary, file or --split folder, and leaves a live
# writer's and other targets' alone.
sh -c 'exit 0' &
dead=$!
wait $dead
touch ".tmp-$dead-AbCdEf-out.dcm" ".tmp-$$-AbCdEf-out.dcm" ".tmp-$dead-AbCdEf-other.dcm"
mkdir ".tmp-$dead-AbCdEf-split" && touch ".tmp-$dead-AbCdEf-split/IMG0001.dcm"
"$DCME2ED" --threads 1 in.dcm out.dcm 2>err.txt || fail "dcme2ed after a stale temporary"
absent ".tmp-$dead-AbCdEf-out.dcm" "a dead writer's temporary"
[ -e ".tmp-$$-AbCdEf-out.dcm" ] && ok || fail "a live writer's temporary was removed"
[ -e ".tmp-$dead-AbCdEf-other.dcm" ] && ok || fail "another target's temporary was removed"
"$DCME2ED" --threads 1 --split in.dcm split 2>err.txt || fail "dcme2ed --split"
absent ".tmp-$dead-AbCdEf-split" "a dead writer's temporary folder"
[ "$(find split -name 'IMG*.dcm' | wc -l)" -gt 1 ] && ok || fail "--split wrote no images"
rm -f ".tmp-$$-AbCdEf-out.dcm" ".tmp-$dead-AbCdEf-other.dcm"
cd ..
finish
