"""Every human text in the user's language: bokmål (`nb`) or English (`en`), from one
gettext catalogue managed with Babel, with dates, numbers and lists in the locale's
own form. The lowest layer: it imports nothing else of likematch."""
