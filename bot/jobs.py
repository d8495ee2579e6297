"""The scheduled jobs themselves (registered through bot.scheduler.job)."""
