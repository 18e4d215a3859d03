"""Shell text read as far as Docker is concerned: ``docker run`` lines and their options.

Shared by every source that holds shell: scripts, Makefile recipes, Jenkinsfile ``sh``
steps, GitHub Actions ``run:`` steps and ``options:``, GitLab ``script:``.
"""
