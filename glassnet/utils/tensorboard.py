"""SummaryWriter at PyTorch's path (torch.utils.tensorboard), for scripts that log with it (as
makemore does). glassnet writes no TensorBoard event files: scalars (and the numbers of
add_scalars) go to `log_dir/scalars.csv`, one row per value (tag, step, value, wall time), which
any plotting tool reads; histograms, images, graphs and text are accepted and skipped."""

import csv
import os
import socket
import time
from datetime import datetime


class SummaryWriter:
    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        if log_dir is None:  # PyTorch's default: runs/<date>_<host><comment>
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = str(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        self._rows = []
        self._max_queue = max_queue

    def get_logdir(self):
        return self.log_dir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        value = float(scalar_value)  # a number or a one-element tensor
        self._rows.append((tag, global_step, value, time.time() if walltime is None else walltime))
        if len(self._rows) >= self._max_queue:
            self.flush()

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        for tag, value in tag_scalar_dict.items():
            self.add_scalar(f"{main_tag}/{tag}", value, global_step, walltime)

    def _skipped(self, *args, **kwargs):
        """Not recorded: glassnet keeps scalars only."""

    add_histogram = add_image = add_images = add_figure = add_text = add_graph = _skipped
    add_embedding = add_hparams = add_pr_curve = add_audio = add_video = _skipped

    def flush(self):
        if not self._rows:
            return
        path = os.path.join(self.log_dir, "scalars.csv")
        new = not os.path.exists(path)
        with open(path, "a", newline="") as file:
            writer = csv.writer(file)
            if new:
                writer.writerow(["tag", "step", "value", "wall_time"])
            writer.writerows(self._rows)
        self._rows = []

    def close(self):
        self.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
