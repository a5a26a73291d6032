from journeylens.cli.main import app

app()
