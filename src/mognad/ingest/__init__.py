"""Stage 1: reading survey exports, cleaning them and checking their contracts."""
