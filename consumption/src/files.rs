//! Own file uploads as the runtime's `UploadOwnFileUseCase` runs them: transport's request
//! checks first, then the tags against the Backbone's catalogue for `IdentityFileReference`
//! (only when there are tags), then the upload.

use crate::tags::FILE_TAGS_VALUE_TYPE;
use crate::{Consumption, Result};
use runtime_types::files::{FileDto, UploadOwnFileParts};
use transport::files::check_upload;

impl Consumption {
    /// `POST /Files/Own`.
    pub async fn upload_own_file(&self, file: UploadOwnFileParts) -> Result<FileDto> {
        let upload = check_upload(file)?;
        self.validate_tags(FILE_TAGS_VALUE_TYPE, upload.tags())
            .await?;
        self.transport.upload_own_file(upload).await
    }
}
