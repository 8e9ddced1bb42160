"""The interview form: one editor per question type, one page per section, the live ILO
indicator panel and autosave. Built from ``intake.domain.questions.QUESTIONNAIRE``; the
widgets never touch the database, they call ``InterviewService``."""
