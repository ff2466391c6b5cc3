#!/usr/bin/env bash
# Single entry point for working on mognad. Needs only Python >= 3.11 as `python3`
# (override with PYTHON=/path/to/python3); uv and everything else are installed on demand.
#
#   bash dev.sh setup              install uv (if needed) and sync .venv from requirements.lock
#   bash dev.sh report [ARGS...]   run the Snakemake workflow (CORES=2 by default), then
#                                  write Snakemake's report (results/snakemake_report.html);
#                                  `report --slurm [ARGS...]` submits the jobs to SLURM
#                                  (workflow/profiles/slurm, see docs/slurm.md)
#   bash dev.sh test [ARGS...]     run the test suite with pytest (as root on Debian, first
#                                  installs chromium for the browser tests, which skip without it)
#   bash dev.sh lab [ARGS...]      open JupyterLab on notebooks/ (ARGS go to `jupyter lab`)
#   bash dev.sh slurm-test         as root on Debian: install a one-node SLURM cluster, run the
#                                  workflow through it and compare with a local run
#   bash dev.sh lint               ruff, ruff format --check, snakefmt --check, snakemake --lint,
#                                  mypy (the hooks of .pre-commit-config.yaml)
#   bash dev.sh check YEAR [FILE]  check a year's export against the codebook, list all problems
#   bash dev.sh verify [--manifest M]  rerun from raw data in a scratch folder and compare
#                                  every output with a manifest (default: the demo's reference)
#   bash dev.sh demo-data          regenerate the committed demo data (byte-identical)
#   bash dev.sh lock [ARGS...]     re-lock requirements.lock with uv (ARGS go to
#                                  `uv pip compile`, e.g. --upgrade); regenerate environment.yml
#                                  (binder/ installs requirements.lock itself)
set -euo pipefail

UV_VERSION="0.13.8"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
TOOLS="$ROOT/.tools"
UV=""

export UV_PYTHON_DOWNLOADS=never
export UV_COMPILE_BYTECODE=1

usage() {
    # the comment block at the top of this file, up to its first non-comment line
    sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}

die() {
    echo "dev.sh: $*" >&2
    exit 1
}

check_python() {
    command -v "$PYTHON" >/dev/null 2>&1 \
        || die "$PYTHON not found. Install Python >= 3.11 (on Debian 12: apt-get install python3)."
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "$PYTHON is $("$PYTHON" -c 'import platform; print(platform.python_version())'); mognad needs Python >= 3.11."
}

make_tools_venv() {
    rm -rf "$TOOLS"
    "$PYTHON" -m venv "$TOOLS" >/dev/null 2>&1 && "$TOOLS/bin/python" -m pip --version >/dev/null 2>&1
}

ensure_uv() {
    if command -v uv >/dev/null 2>&1; then
        UV="$(command -v uv)"
        return
    fi
    if [[ -x "$TOOLS/bin/uv" ]]; then
        UV="$TOOLS/bin/uv"
        return
    fi
    check_python
    if [[ ! -x "$TOOLS/bin/python" ]] || ! "$TOOLS/bin/python" -m pip --version >/dev/null 2>&1; then
        echo "dev.sh: creating $TOOLS for uv $UV_VERSION" >&2
        if ! make_tools_venv; then
            rm -rf "$TOOLS"
            if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
                echo "dev.sh: '$PYTHON -m venv' failed; installing python3-venv and python3-pip" >&2
                apt-get update
                DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv python3-pip
                make_tools_venv || die "'$PYTHON -m venv' still fails after installing python3-venv."
            else
                die "'$PYTHON -m venv' failed. On Debian/Ubuntu install the package python3-venv" \
                    "(as root: apt-get install python3-venv), then run this again."
            fi
        fi
    fi
    "$TOOLS/bin/python" -m pip install --disable-pip-version-check --quiet "uv==$UV_VERSION"
    UV="$TOOLS/bin/uv"
}

lock_hash() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum requirements.lock | cut -d' ' -f1
    else
        "$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' requirements.lock
    fi
}

setup() {
    [[ -f requirements.lock ]] || die "requirements.lock is missing; run 'bash dev.sh lock' first."
    local stamp
    stamp="$VENV/.synced-$(lock_hash)"
    # Fast path: this exact lock was synced already and the interpreter still runs.
    if [[ -f "$stamp" ]] && "$VENV/bin/python" -c '' >/dev/null 2>&1; then
        lab_settings
        return
    fi
    ensure_uv
    check_python
    echo "dev.sh: syncing $VENV from requirements.lock" >&2
    [[ -x "$VENV/bin/python" ]] || "$UV" venv --quiet --python "$PYTHON" "$VENV"
    "$UV" pip sync --quiet --python "$VENV/bin/python" requirements.lock
    # The package is used from the working tree (src/), like an editable install, without
    # needing a build backend that the lock does not pin.
    "$VENV/bin/python" - "$ROOT/src" <<'PY'
import sys, sysconfig, pathlib
pathlib.Path(sysconfig.get_paths()["purelib"], "mognad-src.pth").write_text(sys.argv[1] + "\n")
PY
    rm -f "$VENV"/.synced-*
    touch "$stamp"
    lab_settings
}

# JupyterLab's settings for this environment (binder/overrides.json, which Binder installs
# too): a double-click opens the notebooks, percent scripts, as notebooks.
lab_settings() {
    local settings="$VENV/share/jupyter/lab/settings"
    cmp -s "$ROOT/binder/overrides.json" "$settings/overrides.json" && return 0
    mkdir -p "$settings"
    cp "$ROOT/binder/overrides.json" "$settings/overrides.json"
}

# Debian's Chromium, which the browser tests drive through Playwright (tests/browser.py);
# Playwright's own browser downloads are not used. Without it those tests skip, so a failed
# install is a notice, not an error.
ensure_chromium() {
    [[ -x /usr/bin/chromium ]] && return 0
    if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "dev.sh: /usr/bin/chromium is missing, so the browser tests will be skipped" \
            "(as root on Debian: apt-get install chromium)" >&2
        return 0
    fi
    echo "dev.sh: installing Debian's chromium for the browser tests" >&2
    local log
    log="$(mktemp)"
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } \
        >"$log" 2>&1; then
        tail -n 5 "$log" >&2
        echo "dev.sh: installing chromium failed, so the browser tests will be skipped" >&2
    fi
    rm -f "$log"
}

lint() {
    local status=0 paths=() path
    for path in src tests workflow benchmarks tools; do
        [[ -e "$path" ]] && paths+=("$path")
    done
    local snakefiles=()
    for path in Snakefile workflow; do
        [[ -e "$path" ]] && snakefiles+=("$path")
    done
    echo "== ruff check" >&2
    "$VENV/bin/ruff" check "${paths[@]}" || status=1
    echo "== ruff format --check" >&2
    "$VENV/bin/ruff" format --check "${paths[@]}" || status=1
    if ((${#snakefiles[@]})); then
        echo "== snakefmt --check" >&2
        "$VENV/bin/snakefmt" --check "${snakefiles[@]}" || status=1
    fi
    if [[ -f Snakefile || -f workflow/Snakefile ]]; then
        echo "== snakemake --lint" >&2
        "$VENV/bin/snakemake" --lint || status=1
    else
        echo "== snakemake --lint skipped: no Snakefile" >&2
    fi
    echo "== mypy" >&2
    "$VENV/bin/mypy" || status=1
    return "$status"
}

relock() {
    ensure_uv
    "$UV" pip compile pyproject.toml --group pyproject.toml:dev --universal \
        --python-version 3.11 --generate-hashes --quiet -o requirements.lock "$@"
    "$PYTHON" tools/write_environment_yml.py
}

# The files given to Snakemake's --configfile (which takes one or more).
configfiles() {
    local taking=0 arg
    for arg in "$@"; do
        case "$arg" in
            --configfile | --configfiles) taking=1 ;;
            --configfile=*) echo "${arg#--configfile=}" ;;
            -*) taking=0 ;;
            *) ((taking)) && echo "$arg" ;;
        esac
    done
    return 0
}

# Snakemake with a console a person can follow: one line per job, every problem as it came,
# the full output in logs/runs/<name>.log (VERBOSE=1 shows it on the console instead).
run_snakemake() {
    local name="$1"
    shift
    if [[ -n "${VERBOSE:-}" ]]; then
        "$VENV/bin/snakemake" "$@"
        return
    fi
    "$VENV/bin/snakemake" "$@" 2>&1 | "$VENV/bin/python" -m mognad.console "logs/runs/$name.log"
}

# Snakemake's own report (every figure and table with caption and provenance), written
# after a run that changed anything, so a run with nothing to do stays a no-op.
snakemake_report() {
    local out=results/snakemake_report.html arg
    for arg in "$@"; do
        case "$arg" in
            -n | --dry-run | --dryrun | --summary | --detailed-summary | -l | --list* | --unlock | --cleanup-metadata | --touch) return 0 ;;
        esac
    done
    if [[ -f "$out" && -z "$(find results -type f -newer "$out" -print -quit)" ]]; then
        return 0
    fi
    run_snakemake report --workflow-profile workflow/profiles/default --report "$out" "$@"
}

cmd="${1:-}"
(($#)) && shift
case "$cmd" in
    setup)
        setup
        ;;
    report)
        setup
        # the config and any --configfile overrides, checked before Snakemake reads them
        mapfile -t overrides < <(configfiles "$@")
        "$VENV/bin/python" -m mognad check-config "${overrides[@]}"
        # a run killed earlier (kill -9, a restart) leaves Snakemake's lock behind
        "$VENV/bin/python" -m mognad unlock-stale
        if [[ "${1:-}" == --slurm ]]; then
            shift
            run_snakemake latest --workflow-profile workflow/profiles/slurm "$@"
        else
            run_snakemake latest --cores "${CORES:-2}" --workflow-profile workflow/profiles/default "$@"
        fi
        snakemake_report "$@"
        [[ -n "${VERBOSE:-}" ]] || "$VENV/bin/python" -m mognad.console --summary results
        ;;
    slurm-test)
        setup
        exec bash tools/slurm/test.sh "$@"
        ;;
    test)
        setup
        ensure_chromium
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    lab)
        setup
        # the project root as the server's root, so notebooks find the data; the file browser
        # starts in notebooks/
        exec "$VENV/bin/jupyter" lab --ServerApp.root_dir="$ROOT" \
            --FileContentsManager.preferred_dir=notebooks "$@"
        ;;
    check)
        setup
        exec "$VENV/bin/python" -m mognad check "$@"
        ;;
    verify)
        setup
        exec "$VENV/bin/python" -m mognad verify "$@"
        ;;
    demo-data)
        setup
        exec "$VENV/bin/python" -m mognad demo-data "$@"
        ;;
    lint)
        setup
        lint
        ;;
    lock)
        relock "$@"
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        [[ -n "$cmd" ]] && echo "dev.sh: unknown command '$cmd'" >&2
        usage >&2
        exit 2
        ;;
esac
