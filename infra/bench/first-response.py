"""Milliseconds from spawning a server to the end of its first 200 response
(on stdout; the milliseconds to its `listening` line on stderr).

    python3 infra/bench/first-response.py PATH [-H 'name: value']... -- COMMAND...

COMMAND must print `listening on http://IP:PORT` on stdout (meridian-host
does); the environment passes through. The server is killed afterwards.
Run it after a start that filled the compile cache to measure a warm start.
"""

import re
import subprocess
import sys
import time
import urllib.request


def main(argv):
    if "--" not in argv:
        sys.exit(__doc__)
    split = argv.index("--")
    path, rest, command = argv[0], argv[1:split], argv[split + 1 :]
    headers = {}
    while rest:
        flag, value, rest = rest[0], rest[1], rest[2:]
        if flag != "-H":
            sys.exit(f"unknown option {flag}\n{__doc__}")
        name, _, val = value.partition(":")
        headers[name.strip()] = val.strip()
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        for line in proc.stdout:
            found = re.search(r"listening on (http://[0-9.:]+)", line)
            if found:
                url = found.group(1)
                break
        if url is None:
            sys.exit(f"{command[0]} exited ({proc.wait()}) without printing its address")
        listening = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url + path, headers=headers)) as resp:
            resp.read()
        t1 = time.perf_counter()
    finally:
        proc.kill()
        proc.wait()
    print(f"listening after {(listening - t0) * 1000:.1f} ms", file=sys.stderr)
    print(f"{(t1 - t0) * 1000:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
