# --max-memory (e2ec.h: max_memory): work that needs more than the limit is refused
# before it starts, by name (E2EC_ERR_MEMORY_LIMIT, exit 4, what it needs and what
# is allowed), leaving no output; the same work runs under a limit that covers it.
# e2ec compress/decompress/info, dcme2ec, dcme2ed.
. "$(dirname "$0")/lib.sh"
FAST="--mode siren-ds --scale 2 --width 8 --epochs 3 --threads 1"
make_raw v.raw

# refused: named, exit 4, nothing written
expect 4 "compress over the limit" -- "$E2EC" compress v.raw c.e2ec $RAW_ARGS $FAST --max-memory 64K
stderr_has "E2EC_ERR_MEMORY_LIMIT" "compress refusal named"
stderr_has "needs .* more than the limit of 64.00 KiB" "compress refusal: needed vs allowed"
absent c.e2ec "compress over the limit"
expect 1 "not a size" -- "$E2EC" compress v.raw c.e2ec $RAW_ARGS $FAST --max-memory 12Q
stderr_has "--max-memory" "bad size named"
expect 0 "compress within the limit" -- "$E2EC" compress v.raw c.e2ec $RAW_ARGS $FAST --max-memory 1G

# what decoding needs, from the header (info), then one byte less and exactly that
expect 0 "info" -- "$E2EC" info c.e2ec
whole=$(sed -n 's/^decode_memory_bytes: //p' out.txt)
slice=$(sed -n 's/^slice_decode_memory_bytes: //p' out.txt)
if [ -n "$whole" ] && [ -n "$slice" ] && [ "$whole" -gt "$slice" ]; then ok; else
    fail "info: decode memory '$whole', slice '$slice'"
fi
expect 4 "info over the limit" -- "$E2EC" info c.e2ec --max-memory $((whole - 1))
stderr_has "E2EC_ERR_MEMORY_LIMIT" "info refusal named"
expect 0 "info within the limit" -- "$E2EC" info c.e2ec --max-memory "$whole"

expect 4 "decompress over the limit" -- "$E2EC" decompress c.e2ec d.raw --max-memory $((whole - 1))
stderr_has "E2EC_ERR_MEMORY_LIMIT" "decompress refusal named"
stderr_has "c.e2ec" "decompress refusal names the stream"
absent d.raw "decompress over the limit"
expect 0 "decompress at the limit" -- "$E2EC" decompress c.e2ec d.raw --max-memory "$whole"
[ "$(wc -c <d.raw)" -eq 6912 ] && ok || fail "decompress at the limit: wrong size"
expect 4 "slice over the limit" -- "$E2EC" decompress c.e2ec s.raw --slice 5 --max-memory $((slice - 1))
absent s.raw "slice over the limit"
expect 0 "slice at the limit" -- "$E2EC" decompress c.e2ec s.raw --slice 5 --max-memory "$slice"

# the DICOM tools
series=$SAMPLES/mr-t1-head-dicom
DFAST="--mode siren-ds --scale 4 --width 8 --epochs 2 --threads 1"
expect 4 "dcme2ec over the limit" -- "$DCME2EC" $DFAST --max-memory 1M "$series" c.dcm
stderr_has "E2EC_ERR_MEMORY_LIMIT" "dcme2ec refusal named"
stderr_has "needs" "dcme2ec refusal: needed vs allowed"
absent c.dcm "dcme2ec over the limit"
expect 1 "dcme2ec: not a size" -- "$DCME2EC" $DFAST --max-memory lots "$series" c.dcm
expect 0 "dcme2ec within the limit" -- "$DCME2EC" $DFAST --max-memory 2G "$series" c.dcm
expect 4 "dcme2ed over the limit" -- "$DCME2ED" --max-memory 100K c.dcm d.dcm
stderr_has "E2EC_ERR_MEMORY_LIMIT" "dcme2ed refusal named"
absent d.dcm "dcme2ed over the limit"
expect 4 "dcme2ed --frame over the limit" -- "$DCME2ED" --max-memory 100K --frame 2 c.dcm f.dcm
absent f.dcm "dcme2ed --frame over the limit"
expect 0 "dcme2ed within the limit" -- "$DCME2ED" --max-memory 1G c.dcm d.dcm
expect 0 "dcme2ed --frame within the limit" -- "$DCME2ED" --max-memory 1G --frame 2 c.dcm f.dcm
[ -z "$(find . -name '.tmp-*')" ] && ok || fail "temporary files left: $(find . -name '.tmp-*')"
finish
