# Volume files: NIfTI / MetaImage / raw conversions are lossless, spacing is
# kept, 2-D slices are written, and what we do not read is refused by name.
. "$(dirname "$0")/lib.sh"
make_crop

for ext in mha nii nii.gz; do
    expect 0 "convert to .$ext" -- "$E2EC" convert crop.raw "c.$ext" $CROP_ARGS --spacing 2,2,3
    expect 0 "convert .$ext back" -- "$E2EC" convert "c.$ext" "back-$ext.raw" -v
    cmp -s crop.raw "back-$ext.raw" && ok || fail ".$ext round trip changed voxels"
    stderr_has "24x24x12 i16, spacing 2x2x3 mm" ".$ext keeps dims, type and spacing"
done

# A 2-D file (one slice) reads back as nz = 1.
expect 0 "convert one slice" -- "$E2EC" convert crop.raw s.nii.gz $CROP_ARGS --crop 0,0,4,24,24,1
expect 0 "read a 2-D file" -- "$E2EC" convert s.nii.gz s.raw -v
stderr_has "24x24x1 i16" "2-D NIfTI"

# MetaImage headers written by hand: types and shapes we refuse.
mha() { # NAME ELEMENT_TYPE NDIMS DIMSIZE CHANNELS BYTES
    printf 'ObjectType = Image\nNDims = %s\nDimSize = %s\nElementNumberOfChannels = %s\nElementType = %s\nElementDataFile = LOCAL\n' \
        "$3" "$4" "$5" "$2" >"$1"
    head -c "$6" /dev/zero >>"$1"
}
mha double.mha MET_DOUBLE 3 "2 2 2" 1 64
expect 22 "double voxels" -- "$E2EC" convert double.mha x.raw
stderr_has "not supported" "double voxels named"
mha rgb.mha MET_UCHAR 3 "2 2 2" 3 24
expect 22 "3 components" -- "$E2EC" convert rgb.mha x.raw
stderr_has "components" "multi-component named"
mha 4d.mha MET_SHORT 4 "2 2 2 2" 1 32
expect 22 "4-D" -- "$E2EC" convert 4d.mha x.raw
stderr_has "4-D" "4-D named"
mha short.mha MET_SHORT 3 "8 8 8" 1 100
expect 22 "data shorter than declared" -- "$E2EC" convert short.mha x.raw
[ ! -e x.raw ] && ok || fail "output written for a refused input"

# Truncated files: niftilib would fill the missing voxels with zeros.
for f in c.nii c.nii.gz c.mha; do
    head -c $(($(wc -c <$f) - 100)) $f >"cut-$f"
    expect 22 "truncated $f" -- "$E2EC" convert "cut-$f" x.raw
    stderr_has "cut-$f" "truncated $f named"
done

printf 'not an image' >junk.nii
expect 22 "not a NIfTI file" -- "$E2EC" convert junk.nii x.raw
stderr_has "junk.nii" "bad NIfTI named"

expect 22 "raw size mismatch" -- "$E2EC" convert crop.raw x.raw --dims 24,24,13 --type i16
stderr_has "bytes" "raw size mismatch explained"
expect 1 "raw without layout" -- "$E2EC" convert crop.raw x.raw
expect 1 "bad --type" -- "$E2EC" convert crop.raw x.raw --dims 24,24,12 --type i32
expect 1 "unknown extension" -- "$E2EC" convert crop.raw x.png $CROP_ARGS
expect 1 "write .mhd" -- "$E2EC" convert crop.raw x.mhd $CROP_ARGS
expect 1 "crop past the edge" -- "$E2EC" convert crop.raw x.raw $CROP_ARGS --crop 20,0,0,8,8,8
[ ! -e x.raw ] && [ ! -e x.mhd ] && ok || fail "output written for a refused request"

no_temp_files
finish
