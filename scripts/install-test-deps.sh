#!/bin/sh
# Installs the Debian packages the test suite runs for real, and only those missing:
# apt-get update runs once, and only when something has to be installed. Safe to run again.
# Needs root (or sudo) only when something is missing. Debian/Ubuntu (apt-get) only.
#
#   python3                   multiprocessing pools that leave real orphans
#   prometheus-alertmanager   the Alertmanager sink's receiver
#   prometheus-node-exporter  reads the --textfile output
#   cron                      runs the shipped cron line's format on a short schedule
#   systemd                   systemd-analyze verify checks the shipped units
#   systemd-container         systemd-nspawn: the timer test boots the units in a container
#   openssl                   a certificate for the e-mail sink's STARTTLS/TLS tests
#   lintian                   checks the .deb that `npm run deb` builds (its findings are printed)
#   man-db, groff-base        render the man pages (man -l, groff -ww) and let systemd-analyze
#                             verify find Documentation=man:cleanup(1)
#   zsh, fish                 the completion scripts, checked in the shells they are for
#   gunicorn, python3-setproctitle, python3-joblib, python3-uvicorn, python3-celery
#                             the presets' frameworks, run for real (setproctitle: gunicorn's
#                             worker title); under Debian's /usr/bin/python3
set -eu

# package:the file that shows it is there (python3 may come from pyenv: any python3 on PATH).
need=""
for entry in \
  python3:python3 \
  prometheus-alertmanager:/usr/bin/prometheus-alertmanager \
  prometheus-node-exporter:/usr/bin/prometheus-node-exporter \
  cron:/usr/sbin/cron \
  systemd:/usr/bin/systemd-analyze \
  systemd-container:/usr/bin/systemd-nspawn \
  openssl:openssl \
  lintian:/usr/bin/lintian \
  man-db:/usr/bin/man \
  groff-base:/usr/bin/groff \
  zsh:/usr/bin/zsh \
  fish:/usr/bin/fish \
  gunicorn:/usr/lib/python3/dist-packages/gunicorn/__init__.py \
  python3-setproctitle:/usr/lib/python3/dist-packages/setproctitle \
  python3-joblib:/usr/lib/python3/dist-packages/joblib/__init__.py \
  python3-uvicorn:/usr/lib/python3/dist-packages/uvicorn/__init__.py \
  python3-celery:/usr/lib/python3/dist-packages/celery/__init__.py; do
  package=${entry%%:*}
  probe=${entry#*:}
  case $probe in
    /*) [ -e "$probe" ] && continue ;;
    *) command -v "$probe" >/dev/null 2>&1 && continue ;;
  esac
  need="$need $package"
done

if [ -z "$need" ]; then
  echo "install-test-deps: all test dependencies are installed"
  exit 0
fi
echo "install-test-deps: missing:$need"

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: no apt-get here (not Debian or Ubuntu): install these by hand:$need" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "install-test-deps: installing needs root, and sudo is not installed." >&2
  echo "  Run as root: apt-get update && apt-get install -y --no-install-recommends$need" >&2
  exit 1
fi

# noninteractive + --force-confold: no debconf question and no conffile prompt stops the run.
# shellcheck disable=SC2086 # $need is a list of package names
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $need
