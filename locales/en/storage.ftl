## Stored files: the account's quota and uploads waiting to be saved

form-error-storage-quota = This would exceed the account's storage quota of { $limit }. Delete old conversations or files to make room.
form-error-unsaved-uploads = { $count } uploaded files are already waiting to be saved into a rule or macro. Save them (or wait a day, when they are removed) before uploading more.
