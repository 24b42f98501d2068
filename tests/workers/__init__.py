"""Real Huey consumers (`kaoping run_huey` subprocesses) running Kaoping's jobs."""
