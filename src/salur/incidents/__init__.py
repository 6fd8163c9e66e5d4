"""Incidents: the workflow from report to resolution, and PSU reserve issues."""
