"""A/B of REST cache hits: `iocgate serve` from copies of src/ beside the bare app, alternated.

    .venv/bin/iocgate sim --port 18923 &          # the upstream (pin it: taskset -p -c 1 PID)
    mkdir -p /tmp/a && git archive HEAD src | tar -x -C /tmp/a
    CONC=16,64 ROUNDS=3 DUR=3 python3 bench/tools/abhit.py before=/tmp/a/src after=-

Each server on core 0 (`-` = this checkout), `wrk -t1` on core 1; per concurrency, the median
req/s and server CPU us per request over the rounds, and the ratio to the bare app of the same
rounds. The sim's default corpus (seed 1) and privileged key are assumed.
"""

import os, re, socket, statistics, subprocess, sys, time, urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = f"{REPO}/.venv/bin/python"
SIM = os.environ.get("SIM", "http://127.0.0.1:18923")
SHA = "c764d280d177f7f512c000f469e59003f2302b9f469c71067ce61a7339ea11ae"
KEY = "78d02b1d13d04972bbfdfed4ede1cfac4fa58e1b4975ce23a9cc68395a784afc"
PATH = f"/v1/files/{SHA}/behaviour_summary"
conc = [int(c) for c in os.environ.get("CONC", "16,64").split(",")]
rounds = int(os.environ.get("ROUNDS", "3"))
dur = os.environ.get("DUR", "3")


def free():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def wait(url):
    for _ in range(300):
        try:
            return urllib.request.urlopen(url, timeout=2).read()
        except Exception:
            time.sleep(0.1)
    raise SystemExit("no answer " + url)


procs = {}
try:
    for spec in sys.argv[1:]:
        name, src = spec.split("=")
        port, mport = free(), free()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IOCGATE_", "VIRUSTOTAL_"))}
        env.update(VIRUSTOTAL_API_KEY=KEY, XDG_CACHE_HOME=f"/tmp/abhit_state_{name}")
        subprocess.run(["rm", "-rf", env["XDG_CACHE_HOME"]])
        if src != "-":
            env["PYTHONPATH"] = src
        p = subprocess.Popen(
            [
                "taskset",
                "-c",
                "0",
                f"{REPO}/.venv/bin/iocgate",
                "serve",
                "--upstream",
                SIM + "/api/v3",
                "--rest-port",
                str(port),
                "--mcp-port",
                str(mport),
                "--quota",
                "unlimited",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(f"/tmp/abhit_{name}.log", "w"),
        )
        url = f"http://127.0.0.1:{port}{PATH}"
        wait(f"http://127.0.0.1:{mport}/healthz")
        for _ in range(3):
            body = wait(url)
        procs[name] = (p, url)
    open("/tmp/abhit_body.json", "wb").write(body)
    port = free()
    p = subprocess.Popen(
        [
            "taskset",
            "-c",
            "0",
            PY,
            f"{REPO}/bench/servers/bare_app.py",
            "--port",
            str(port),
            "--body",
            "/tmp/abhit_body.json",
            "--path",
            PATH,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    procs["bare"] = (p, f"http://127.0.0.1:{port}{PATH}")
    wait(procs["bare"][1])
    res = {}
    for c in conc:
        for r in range(rounds):
            for name, (p, url) in procs.items():
                c0 = cpu(p.pid)
                out = subprocess.run(
                    ["taskset", "-c", "1", "wrk", "-t1", f"-c{c}", f"-d{dur}s", url],
                    capture_output=True,
                    text=True,
                ).stdout
                c1 = cpu(p.pid)
                rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
                n = int(re.search(r"(\d+) requests in", out).group(1))
                res.setdefault((name, c), []).append((rps, (c1 - c0) / n * 1e6))
        load = open("/proc/loadavg").read().split()[0]
        bare = statistics.median(x[0] for x in res[("bare", c)])
        for name in procs:
            rs = res[(name, c)]
            print(
                f"c={c:<3} {name:10s} req/s {statistics.median(x[0] for x in rs):8.0f}  cpu/req {statistics.median(x[1] for x in rs):6.1f} us  ratio {statistics.median(x[0] for x in rs) / bare:.2f}  runs {[round(x[0]) for x in rs]}  load {load}"
            )
finally:
    for p, _ in procs.values():
        p.terminate()
    for p, _ in procs.values():
        p.wait()
