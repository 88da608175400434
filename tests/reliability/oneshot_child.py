"""Child process for the one-shot kill test: `python -m tests.reliability.oneshot_child RUN [--resume N]`.

A tiny SIV-GAN run that checkpoints every 2 iterations (the CLI's presets checkpoint every 500)."""

import sys

from engine.oneshot.trainer import train
from tests.engine.oneshot.oneshot_testdata import tiny_config


def main() -> None:
    run = sys.argv[1]
    if len(sys.argv) > 3 and sys.argv[2] == "--resume":
        t = train(None, run, resume=True, iterations=int(sys.argv[3]))
    else:
        t = train(tiny_config(masks=False, iterations=100_000, checkpoint_every=2, progress_every=1), run,
                  progress=lambda p: print("it", p.iteration, flush=True))
    print("done", t.iteration, flush=True)


if __name__ == "__main__":
    main()
