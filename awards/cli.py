from flask.cli import AppGroup

awards_cli = AppGroup("awards", help="Awards: load programmes, import scores, results.")
