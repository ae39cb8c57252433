"""Hook latency and scaling, each tool run as a user's pre-commit would run it (interpreter start included).

    .venv/bin/python bench/hook_latency.py [--repeat 7]

A git repository of the Django sdist gets a staged edit touching 5 functions in
3 files; `telemetry-inject hook` on those files is timed beside black (fresh
cache each run, as for newly staged content), `darker --revision HEAD` and
`ruff format`. The tool runs from a regular (non-editable) install, like
pre-commit's environment, as on a developer's machine (no CI variable set):
by default with its hook server (the first call starts it), and again with
the server off (`TELEMETRY_INJECT_HOOK_SERVER=off`, what CI gets). Scaling: the same one-function edit in the Django
repository vs in a 10-function repository.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import WORK, django_tree, machine, median  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EDITS = {"django/db/models/query.py": 2, "django/utils/text.py": 2, "django/http/request.py": 1}
TEN = "\n\n".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(10))


def installed_tool() -> Path:
    """A non-editable install of this checkout in bench/.work/venv (rebuilt when the source changes), made as pre-commit makes one."""
    venv = WORK / "venv"
    stamp = venv / ".source-stamp"
    source = subprocess.run(["git", "-C", str(REPO), "ls-files", "-s", "--", "telemetry_inject", "pyproject.toml"], capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "-C", str(REPO), "diff", "HEAD", "--", "telemetry_inject", "pyproject.toml"], capture_output=True, text=True).stdout
    source += "virtualenv\n"
    if not stamp.exists() or stamp.read_text() != source + dirty:
        shutil.rmtree(venv, ignore_errors=True)
        # virtualenv, as pre-commit builds hook environments (its seeded pip writes the console script pre-commit runs)
        subprocess.run([sys.executable, "-m", "virtualenv", "-q", str(venv)], check=True)
        subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(REPO)], check=True)
        stamp.write_text(source + dirty)
    return venv / "bin/telemetry-inject"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=b@example.com", "-c", "user.name=bench", *args], cwd=cwd, check=True, capture_output=True)


def staged_django(tmp: Path) -> tuple[Path, list[str]]:
    repo = tmp / "django"
    shutil.copytree(django_tree(), repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "sdist")
    restage(repo, 0)
    return repo, list(EDITS)


def restage(repo: Path, run: int) -> None:
    """Stage a new edit of the same 5 functions (the comment differs per run): no run sees content seen before."""
    for name, count in EDITS.items():
        path = repo / name
        lines = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=repo, capture_output=True, text=True, check=True).stdout.splitlines(keepends=True)
        done = 0
        for i, line in enumerate(lines):
            if done < count and i > 100 * (done + 1) and re.match(r"\s+return \w", line):
                lines[i] = line.rstrip("\n") + f"  # edited {run}\n"
                done += 1
        path.write_text("".join(lines))
    git(repo, "add", "-u")


def timed(cmd: list[str], cwd: Path, repeat: int, reset=None, env=None) -> float:
    times = []
    for _ in range(repeat):
        if reset:
            reset()
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return median(times)


class Restager:
    def __init__(self, repo: Path) -> None:
        self.repo, self.run = repo, 0

    def __call__(self) -> None:
        self.run += 1
        restage(self.repo, self.run)


def accepts(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def stop_server(repo: Path) -> None:
    pid_file = repo / ".telemetry_cache/hook-server.pid"
    if pid_file.exists():
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
        for _ in range(100):
            if not pid_file.exists():
                break
            time.sleep(0.05)


def served_and_alone(tool: Path, repo: Path, argv: list[str], repeat: int, env: dict[str, str], restager=None) -> tuple[float, float, float]:
    """Median seconds of ``argv`` by default (a hook server, started by the first of the runs), that first run, and the
    median with ``TELEMETRY_INJECT_HOOK_SERVER=off`` (every call in its own process). ``restager`` stages a new edit
    before each run."""
    stop_server(repo)
    first = timed([str(tool), *argv], repo, 1, restager, env)  # in-process; starts the server
    for _ in range(100):  # until it listens (it loads the engine first): a user's next commit is seconds away
        if accepts(repo / ".telemetry_cache/hook.sock"):
            break
        time.sleep(0.05)
    served = timed([str(tool), *argv], repo, repeat, restager, env)
    stop_server(repo)
    alone = timed([str(tool), *argv], repo, repeat, restager, env | {"TELEMETRY_INJECT_HOOK_SERVER": "off"})
    return served, first, alone


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    tool = installed_tool()
    ci = ("CI", "TF_BUILD", "JENKINS_URL", "BUILDKITE", "TEAMCITY_VERSION", "TELEMETRY_INJECT_HOOK_SERVER")
    hook_env = {k: v for k, v in os.environ.items() if k not in ci} | {"PRE_COMMIT": "1"}  # a developer's machine
    with tempfile.TemporaryDirectory() as tmp:
        repo, files = staged_django(Path(tmp))
        fresh_black = lambda: os.environ.__setitem__("BLACK_CACHE_DIR", tempfile.mkdtemp(dir=tmp))  # noqa: E731
        restager = Restager(repo)  # one for every run: no run sees an edit staged before
        write, write_first, write_alone = served_and_alone(tool, repo, ["hook", *files], args.repeat, hook_env, restager)
        check, check_first, check_alone = served_and_alone(tool, repo, ["hook", "--check", *files], args.repeat, hook_env, restager)
        rows = [
            ("telemetry-inject hook (5 functions, 3 files), default: hook server", write),
            ("telemetry-inject hook --check, default: hook server", check),
            ("hook, server off (a process per call, as in CI)", write_alone),
            ("hook --check, server off", check_alone),
            ("black --check (fresh cache)", timed([str(BIN / "black"), "--check", "-q", *files], repo, args.repeat, fresh_black)),
            ("darker --check --revision HEAD", timed([str(BIN / "darker"), "--check", "--revision", "HEAD", *files], repo, args.repeat)),
            ("ruff format --check", timed([str(BIN / "ruff"), "format", "--check", "-q", *files], repo, args.repeat)),
        ]
        small = Path(tmp) / "small"
        small.mkdir()
        (small / "calc.py").write_text(TEN)
        git(small, "init", "-q")
        git(small, "add", "-A")
        git(small, "commit", "-qm", "init")
        (small / "calc.py").write_text(TEN.replace("x + 4\n", "x + 44\n"))
        git(small, "add", "-u")
        one = "django/utils/text.py"
        subprocess.run(["git", "checkout", "HEAD", "--", *files], cwd=repo, check=True)
        text = (repo / one).read_text()
        (repo / one).write_text(text.replace("    return ", "    return  ", 1))
        git(repo, "add", "-u")
        big = served_and_alone(tool, repo, ["hook", "--check", one], args.repeat, hook_env)
        small_t = served_and_alone(tool, small, ["hook", "--check", "calc.py"], args.repeat, hook_env)
        stop_server(repo)
        stop_server(small)
    black = rows[4][1]
    print(f"{machine()}; median of {args.repeat}; telemetry-inject from a regular install\n")
    print("| command | median ms | black ÷ this |")
    print("|---|---:|---:|")
    for label, seconds in rows:
        print(f"| {label} | {seconds * 1000:.0f} | {black / seconds:.1f}× |")
    for label, hook in (("default (hook server)", write), ("server off", write_alone)):
        verdict = "PASS" if hook <= 0.05 and black / hook >= 6 else "MISS"
        print(f"\ntarget hook ≤ 50 ms and ≥ 6× faster than black, {label}: {hook * 1000:.0f} ms, {black / hook:.1f}× → {verdict}")
    print(f"(the first call, which runs in its own process and starts the server: hook {write_first * 1000:.0f} ms,"
          f" --check {check_first * 1000:.0f} ms)")
    print("\n| scaling: touch 1 function (hook --check) | default, median ms | server off, median ms |\n|---|---:|---:|")
    print(f"| Django repository ({one}) | {big[0] * 1000:.0f} | {big[2] * 1000:.0f} |")
    print(f"| 10-function repository | {small_t[0] * 1000:.0f} | {small_t[2] * 1000:.0f} |")
    for label, i in (("default", 0), ("server off", 2)):
        ratio = big[i] / small_t[i]
        print(f"target ratio ≤ 1.2, {label}: {ratio:.2f} → {'PASS' if ratio <= 1.2 else 'MISS'}")


if __name__ == "__main__":
    main()
