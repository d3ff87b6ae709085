"""Files exported with an exam build for use elsewhere: the standalone and Gradescope graders."""
