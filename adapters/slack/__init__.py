"""The Slack adapter: slack-bolt's AsyncApp in HTTP mode over the core's `Qotd` facade."""
