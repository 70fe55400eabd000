# Sourced by the conformance scripts, after they define fail(): dciodvfy's verdicts.
# Each leaves dciodvfy's report in FILE.vfy (the caller may read it further).

# only_pixel_data_errors FILE: on an object of e2ec's transfer syntax dciodvfy reports
# only the three errors it gives any syntax it cannot know (CONFORMANCE.md section 9)
only_pixel_data_errors() {
  dciodvfy "$1" >"$1.vfy" 2>&1 || true
  grep '^Error' "$1.vfy" | grep -v -e 'Undefined value length of other byte/word element' \
    -e 'Dicom dataset read failed' -e 'Element=<PixelData>' >"$1.err" || true
  [ ! -s "$1.err" ] || { cat "$1.err" >&2; fail "dciodvfy errors on $1"; }
}

# no_dciodvfy_errors FILE: dciodvfy reports no error at all (a decoded, standard object)
no_dciodvfy_errors() {
  dciodvfy "$1" >"$1.vfy" 2>&1 || true
  if grep -q '^Error' "$1.vfy"; then grep '^Error' "$1.vfy" >&2; fail "dciodvfy errors on $1"; fi
}
