from opsdesk.cli import main

main()
