"""Training: the one loop (`loop.train(config, task)`), its config, token-budget batches,
checkpoints (any model kind) and the distributed helper. Never imports a task or evaluation code."""
