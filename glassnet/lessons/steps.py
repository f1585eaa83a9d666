"""A progress bar for the lessons' hand-written training loops (those that do not go through
glassnet.train.fit, e.g. to clip gradients or to draw their own batches): train.ProgressBar,
fed one step at a time."""

import math
from types import SimpleNamespace

from glassnet.train import ProgressBar


class Steps:
    """with Steps("lstm", total=600) as steps: ... steps.done(loss) after each step."""

    def __init__(self, description, total):
        self.bar = ProgressBar(description)
        self.state = SimpleNamespace(total_steps=int(total), step=0, loss=math.nan, metrics={},
                                     interrupted=False)

    def __enter__(self):
        self.bar.on_fit_start(self.state)
        return self

    def done(self, loss):
        self.state.step += 1
        self.state.loss = float(loss)
        self.bar.on_step_end(self.state)

    def __exit__(self, kind, error, traceback):
        self.state.interrupted = kind is KeyboardInterrupt
        self.bar.on_fit_end(self.state)
