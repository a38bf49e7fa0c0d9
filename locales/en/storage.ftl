## Stored files: the account's quota and uploads waiting to be saved

form-error-storage-quota = This would exceed the account's storage quota of { $limit }. Delete old conversations or files to make room.
