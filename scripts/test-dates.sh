#!/usr/bin/env bash
# The fast tier with the machine's clock at a month boundary, a leap day and a year end: no test
# may depend on the day it runs (they read time from test/harness/clock.ts). Needs faketime
# (Debian package `faketime`).
set -euo pipefail
command -v faketime >/dev/null || { echo "test:dates needs faketime (apt-get install -y faketime)"; exit 1; }
status=0
for day in '2027-03-01 00:30:00' '2028-02-29 12:00:00' '2026-12-31 23:50:00'; do
  echo "== the machine's clock at $day"
  faketime "$day" npx vitest run --project unit --project integration || status=1
done
exit $status
