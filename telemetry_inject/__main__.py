from telemetry_inject.cli import main

raise SystemExit(main())
