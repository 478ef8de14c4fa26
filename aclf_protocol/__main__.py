from aclf_protocol.cli import main

raise SystemExit(main())
