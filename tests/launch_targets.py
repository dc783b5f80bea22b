"""Functions the fork-server tests run in workers (importable by module:function)."""

import os
import sys
import time


def write(path, text):
    print(f"stdout from pid {os.getpid()}")
    print("stderr line", file=sys.stderr)
    with open(path, "w") as f:
        f.write(f"{text} {os.getcwd()} {os.environ.get('LAUNCH_MARK')}")


def fail(code):
    sys.exit(code)


def crash():
    raise ValueError("boom")


def sleep_then_write(path, seconds):
    with open(path + ".pid", "w") as f:
        f.write(str(os.getpid()))
    time.sleep(seconds)
    with open(path, "w") as f:
        f.write("finished")
