"""Tracking plans: which events are expected and what their properties must look like."""
