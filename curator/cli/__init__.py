"""The `curator` command line (placeholder until the commands land)."""

def main() -> None:
    raise SystemExit("curator: commands not wired yet")
