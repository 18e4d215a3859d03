"""Shell files (scripts, Makefiles, Jenkinsfiles, Markdown): their ``docker run`` lines."""
