"""`glassnet train MODEL` and `glassnet sample MODEL`: the model zoo's two commands (cli.py
registers them with add_commands). Each imports what it needs when it runs."""

import argparse
import sys


def seed(text):
    """A seed: a non-negative integer (NumPy's generators take no negative seeds)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return int(text)


def train(args, parser):
    """Train a zoo model on a dataset: progress bar, checkpoints in --out, --resume, metrics."""
    import json
    from pathlib import Path

    import glassnet as gn
    import glassnet.functional as F
    from glassnet import data, models, optim
    from glassnet import train as training

    if args.model not in models.MODELS:
        parser.error(f"train: unknown model {args.model!r}; valid models: {', '.join(models.MODELS)}")
    if args.model != "mlp":
        parser.error(f"train: `glassnet train` trains mlp on digits16; {args.model} is trained by "
                     "its lesson (`glassnet run LESSON`, see `glassnet lessons`), which writes the "
                     "checkpoint that `glassnet sample` reads")
    if args.data != "digits16":
        parser.error(f"train: unknown dataset {args.data!r} for {args.model}; valid: digits16")
    given = [n for n in (args.steps, args.epochs) if n is not None]
    if min(args.batch_size, args.checkpoint_every, *given) < 1:
        parser.error("train: --steps, --epochs, --batch-size and --checkpoint-every must be >= 1")
    try:
        hidden = tuple(int(width) for width in args.hidden.split(","))
        model_config = models.get(args.model)[0](hidden=hidden)
    except ValueError as error:
        parser.error(f"train: --hidden {args.hidden!r}: {error}; expected widths like 128,64")
    config = {"model": args.model, "data": args.data, "binary": args.binary, "hidden": hidden,
              "lr": args.lr, "batch_size": args.batch_size, "seed": args.seed}
    out = Path(args.out or f"runs/train-{args.model}")
    checkpoint = out / "checkpoint.npz"
    if args.resume and not checkpoint.exists():
        print(f"glassnet train: no checkpoint at {checkpoint}; starting from scratch",
              file=sys.stderr)
    gn.manual_seed(args.seed)
    try:
        train_set, test_set = (data.digits16(split, args.binary) for split in ("train", "test"))
    except data.DataUnavailable as error:
        print(f"glassnet train: {error}", file=sys.stderr)
        return 1
    model = models.get(args.model)[1](model_config)
    loader = data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    try:
        state = training.fit(
            model, loader, optim.Adam(model.parameters(), lr=args.lr), loss_fn=F.cross_entropy,
            steps=args.steps, epochs=None if args.steps else (args.epochs or 10),
            metrics={"accuracy": training.accuracy}, callbacks=[training.ProgressBar(args.model)],
            checkpoint=checkpoint, checkpoint_every=args.checkpoint_every, resume=args.resume,
            config=config)
    except ValueError as error:  # e.g. resuming with other settings than the checkpoint's
        print(f"glassnet train: {error}", file=sys.stderr)
        return 2
    if state.interrupted:
        print(f"glassnet train: interrupted at step {state.step}; the checkpoint is {checkpoint};"
              " rerun with --resume to continue", file=sys.stderr)
        return 130
    test = training.evaluate(model, data.DataLoader(test_set, batch_size=500),
                             {"accuracy": training.accuracy, "loss": F.cross_entropy})
    metrics = {"test_accuracy": test["accuracy"], "test_loss": test["loss"],
               "train_loss": state.loss, "steps": state.step, "epochs": state.epoch}
    (out / "metrics.json").write_text(json.dumps(
        {"model": args.model, "config": config, "resumed_from": state.resumed_from,
         "metrics": metrics, "history": state.history}, indent=1))
    print(f"test accuracy {test['accuracy']:.4f} (loss {test['loss']:.4f}) after {state.step} "
          f"steps; checkpoint and metrics.json in {out}")
    return 0


def sample(args, parser):
    """Generate from a zoo model's checkpoint: text (char-rnn, gpt) or a grid of images."""
    from pathlib import Path

    import numpy as np

    import glassnet as gn
    from glassnet import models

    if args.model not in models.MODELS:
        parser.error(f"sample: unknown model {args.model!r}; valid models: "
                     f"{', '.join(sorted(models.MODELS))}")
    if min(args.length, args.n) < 1 or args.temperature <= 0 or (args.top_k or 1) < 1:
        parser.error("sample: --length, --n and --top-k must be >= 1 and --temperature > 0")
    try:
        model, extra = models.load_model(args.checkpoint, expected=args.model)
    except (OSError, ValueError, KeyError) as error:
        print(f"glassnet sample: {error}", file=sys.stderr)
        return 1
    text = "chars" in extra  # a text model's checkpoint carries its alphabet
    if not text and not hasattr(model, "sample"):
        print(f"glassnet sample: {args.checkpoint}: a {args.model} model neither writes text "
              "(its checkpoint has no alphabet, 'chars') nor draws images (it has no sample())",
              file=sys.stderr)
        return 1
    if text:
        stoi = {ch: i for i, ch in enumerate(extra["chars"])}
        unknown = sorted(set(args.prompt) - set(stoi))
        if unknown:
            parser.error(f"sample: the prompt has characters the model never saw: "
                         f"{''.join(unknown)!r}")
    gn.manual_seed(args.seed)
    try:
        with gn.no_grad():
            if text:
                prompt = args.prompt or extra["chars"][0]
                idx = gn.tensor([[stoi[ch] for ch in prompt]], dtype=gn.int64)  # (1, T)
                out = model.generate(idx, args.length, temperature=args.temperature,
                                     top_k=args.top_k)  # (1, T + length)
                print("".join(extra["chars"][i] for i in out.numpy()[0].tolist()))
                return 0
            images = model.sample(args.n)  # (n, C, H, W) in [0, 1]
    except ValueError as error:  # e.g. a model of 2-D points, which makes no image
        print(f"glassnet sample: {args.model} from {args.checkpoint}: {error}", file=sys.stderr)
        return 1
    from glassnet import viz

    out = Path(args.out or f"runs/sample-{args.model}")
    out.mkdir(parents=True, exist_ok=True)
    pixels = images.numpy() if isinstance(images, gn.Tensor) else np.asarray(images)
    names = viz.save(viz.image_grid(pixels,
                                    title=f"{args.n} samples from {args.model}"), out / "samples")
    print(f"{args.n} samples from {args.model}: {', '.join(str(out / n) for n in names)}")
    return 0


def add_commands(commands):
    trainer = commands.add_parser("train", help="train a zoo model (mlp) with checkpoints")
    trainer.add_argument("model", help="a zoo model: mlp")
    trainer.add_argument("--data", default="digits16", help="dataset (digits16)")
    length = trainer.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help="optimizer steps in all")
    length.add_argument("--epochs", type=int, help="passes over the training set (default 10)")
    for flag, kind, default in (("--lr", float, 3e-3), ("--batch-size", int, 64),
                                ("--seed", seed, 0), ("--checkpoint-every", int, 100)):
        trainer.add_argument(flag, type=kind, default=default, help=f"default {default}")
    trainer.add_argument("--out", metavar="DIR", help="output folder (default runs/train-MODEL)")
    trainer.add_argument("--resume", action="store_true", help="go on from DIR/checkpoint.npz")
    trainer.add_argument("--hidden", default="128,64", help="hidden widths (default 128,64)")
    trainer.add_argument("--binary", action="store_true", help="0/1 pixels, as in the article")
    trainer.set_defaults(run=train)
    sampler = commands.add_parser(
        "sample", help="generate from a checkpoint: text (char-rnn, gpt) or an image grid")
    sampler.add_argument("model", help="a zoo model, e.g. char-rnn, gpt, vae, ddpm, gan")
    sampler.add_argument("--checkpoint", required=True, metavar="PATH",
                         help="a checkpoint a lesson or `glassnet train` wrote")
    sampler.add_argument("--prompt", default="", help="text models: the text to continue")
    sampler.add_argument("--length", type=int, default=300, help="text models: new characters")
    sampler.add_argument("--temperature", type=float, default=1.0,
                         help="text models: < 1 is safer, > 1 wilder (default 1.0)")
    sampler.add_argument("--top-k", type=int, default=None,
                         help="text models: sample among the k likeliest characters only")
    sampler.add_argument("--n", type=int, default=64, help="image models: how many (default 64)")
    sampler.add_argument("--out", metavar="DIR", help="image models: output folder "
                         "(default runs/sample-MODEL)")
    sampler.add_argument("--seed", type=seed, default=0)
    sampler.set_defaults(run=sample)
