//! Strings of the offline page and the download box, in both languages.

use crate::ui::i18n::{use_lang, Lang};

pub fn ot() -> &'static OfflineTexts {
    match use_lang() {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

pub struct OfflineTexts {
    pub page_title: &'static str,
    pub offline: &'static str,
    pub offline_lead: &'static str,
    pub saved_read: &'static str,
    pub saved_quiz: &'static str,
    pub saved_lead: &'static str,
    pub available: &'static str,
    pub nothing_yet: &'static str,
    pub home: &'static str,
    pub download_heading: &'static str,
    pub download_size: fn(u64) -> String,
    pub download: &'static str,
    pub remove: &'static str,
}

static VI: OfflineTexts = OfflineTexts {
    page_title: "Không có mạng",
    offline: "Bạn đang không có mạng",
    offline_lead: "Trang này chưa được lưu trên điện thoại. Những bài bạn đã mở hoặc đã tải về vẫn đọc được.",
    saved_read: "Đã lưu: bạn đã đọc xong bài này",
    saved_quiz: "Bài làm đã lưu, sẽ chấm khi có mạng",
    saved_lead: "Việc này đã được lưu trên điện thoại và sẽ gửi khi có mạng. Bạn có thể đọc tiếp các bài đã lưu.",
    available: "Đọc được khi không có mạng",
    nothing_yet: "Chưa có bài nào được lưu trên điện thoại này.",
    home: "Về trang chủ",
    download_heading: "Đọc khi không có mạng",
    download_size: |bytes| format!("Tải cả khóa học về điện thoại: khoảng {}.", size(bytes, ',')),
    download: "Tải về để đọc khi không có mạng",
    remove: "Xoá bản đã tải về",
};

static EN: OfflineTexts = OfflineTexts {
    page_title: "Offline",
    offline: "You are offline",
    offline_lead: "This page is not saved on your phone. The lessons you opened or downloaded can still be read.",
    saved_read: "Saved: you finished reading this lesson",
    saved_quiz: "Your answers are saved and will be graded when you are online",
    saved_lead: "This is saved on your phone and will be sent when you are online. You can keep reading the saved lessons.",
    available: "Readable without a network",
    nothing_yet: "Nothing is saved on this phone yet.",
    home: "Back to the home page",
    download_heading: "Read without a network",
    download_size: |bytes| format!("Download the whole course to your phone: about {}.", size(bytes, '.')),
    download: "Download to read offline",
    remove: "Remove the download",
};

/// `1,2 MB` (Vietnamese) or `1.2 MB`; small downloads in KB.
fn size(bytes: u64, decimal: char) -> String {
    if bytes < 1_000_000 {
        return format!("{} KB", bytes.div_ceil(1000).max(1));
    }
    let tenths = (bytes + 50_000) / 100_000;
    format!("{}{decimal}{} MB", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(1_234_567, ','), "1,2 MB");
        assert_eq!(size(1_250_000, '.'), "1.3 MB");
        assert_eq!(size(420_100, ','), "421 KB");
        assert_eq!(size(10, ','), "1 KB");
    }
}
