from keras_ae.cli import main

raise SystemExit(main())
