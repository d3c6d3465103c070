"""NCMEC CyberTipline: report XML, drafts from confirmed cases, the ESP API client."""
