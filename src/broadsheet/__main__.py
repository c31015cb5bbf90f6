from broadsheet.launch import run

raise SystemExit(run())
