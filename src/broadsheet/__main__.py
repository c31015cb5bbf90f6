from broadsheet.cli import main

raise SystemExit(main())
