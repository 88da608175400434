"""Logging: module loggers reach the file or stderr the program chose, once per record."""

import logging

from engine import logs


def test_module_loggers_write_to_the_rotating_file(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    path = tmp_path / "logs" / "oasis-studio.log"
    logs.log_to_file(path)
    logs.log_to_file(path)  # a second start replaces the handler instead of doubling every line
    try:
        logging.getLogger("engine.worker").info("model %s loaded", "tiny")
        logging.getLogger("editor.autosave").debug("not at INFO")
        logging.getLogger("some.library").info("third-party chatter below WARNING")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        assert text.count("model tiny loaded") == 1 and "INFO engine.worker" in text
        assert "not at INFO" not in text and "chatter" not in text
        for i in range(100):
            logging.getLogger("engine.api").warning("line %d of a long session", i)
        assert (tmp_path / "logs" / "oasis-studio.log.1").is_file()
        assert len(list((tmp_path / "logs").iterdir())) == 1 + logs.BACKUPS
    finally:
        logs.log_to_stderr()  # leave no handler on the temporary file


def test_the_cli_logs_warnings_to_stderr(capsys):
    from engine.cli import main

    assert main(["info", "--model", "/nonexistent/model"]) == 2
    logging.getLogger("engine.fast").warning("a warning from the library")
    logging.getLogger("engine.fast").info("detail only with --verbose")
    err = capsys.readouterr().err
    assert "a warning from the library" in err and "detail only" not in err
