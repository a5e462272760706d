"""Mentor scheduling (导师预约): profiles, availability, slots across time zones, bookings
with a database-enforced guard against double booking, calendar files and reminders."""
