"""Seized media: file listings (TSK bodyfile, CSV, disk images read through The Sleuth Kit)
streamed into the store as cases, media and entries, for the triage in `analysis.evidence`.
Metadata only: names, sizes and times of files, never their contents."""
