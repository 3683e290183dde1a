"""Optuna's TPE sampler as a child process of benchmarks/searchers.py (ask/tell over stdin/stdout).

Runs under the Python named by ``AG_SEARCHERS_OPTUNA_PYTHON`` (a plain venv with ``optuna``); it imports
only the standard library and optuna, never this library, so the objective is evaluated by the parent,
the same code for every searcher. Protocol, one JSON document per line:

* parent -> child: ``{"space": [[name, kind, spec], ...], "seed": s, "trials": n}`` where kind is
  ``real``/``int`` (spec ``[low, high, log]``) or ``cat`` (spec: the list of choices);
* child -> parent: ``{"config": {...}}``; parent -> child: ``{"reward": r}`` (larger is better), n times;
* child -> parent: ``{"done": true, "searcher_time_s": t}``.
"""

import json
import sys
import time


def suggest(trial, space):
    config = {}
    for name, kind, spec in space:
        if kind == "real":
            config[name] = trial.suggest_float(name, spec[0], spec[1], log=bool(spec[2]))
        elif kind == "int":
            config[name] = trial.suggest_int(name, spec[0], spec[1], log=bool(spec[2]))
        else:
            config[name] = trial.suggest_categorical(name, spec)
    return config


def main():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    job = json.loads(sys.stdin.readline())
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=job["seed"]))
    spent = 0.0
    for _ in range(job["trials"]):
        start = time.perf_counter()
        trial = study.ask()
        config = suggest(trial, job["space"])
        spent += time.perf_counter() - start
        print(json.dumps({"config": config}), flush=True)
        reward = json.loads(sys.stdin.readline())["reward"]
        start = time.perf_counter()
        study.tell(trial, reward)
        spent += time.perf_counter() - start
    print(json.dumps({"done": True, "searcher_time_s": spent, "optuna": optuna.__version__}), flush=True)


if __name__ == "__main__":
    main()
