//! The one place every UI string comes from.
//!
//! Each language is a `Texts` value, so a string missing in one language is a
//! compile error rather than an English word on a Vietnamese page. Vietnamese
//! is the default; English is chosen with the language switch and kept in the
//! `lang` cookie.

use serde::{Deserialize, Serialize};

/// A language the interface is available in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// Name of the cookie that remembers the reader's choice.
    pub const COOKIE: &'static str = "lang";

    /// Every language, in the order the switch offers them.
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// BCP 47 code, as used in `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Parses a cookie or form value; anything unknown is `None`.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The strings for this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }

    /// The language's own name, shown on the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Vi => "Tiếng Việt",
            Lang::En => "English",
        }
    }
}

/// Reads the language chosen for this request (provided by the shell).
pub fn use_lang() -> Lang {
    leptos::prelude::use_context::<Lang>().unwrap_or_default()
}

/// Shorthand for the current request's strings.
pub fn t() -> &'static Texts {
    use_lang().texts()
}

/// Every string the interface shows, one field per phrase.
pub struct Texts {
    pub site_name: &'static str,
    pub site_tagline: &'static str,
    pub skip_to_content: &'static str,
    pub nav_label: &'static str,
    pub nav_home: &'static str,
    pub language_label: &'static str,
    pub footer_about: &'static str,
    pub text_size_label: &'static str,
    pub text_smaller: &'static str,
    pub text_larger: &'static str,
    pub home_title: &'static str,
    pub home_lead: &'static str,
    pub home_residents_title: &'static str,
    pub home_residents_body: &'static str,
    pub home_officials_title: &'static str,
    pub home_officials_body: &'static str,
    pub home_light_title: &'static str,
    pub home_light_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub back_home: &'static str,
    pub nav_courses: &'static str,
    pub nav_search: &'static str,
    pub courses_title: &'static str,
    pub courses_lead: &'static str,
    pub filter_label: &'static str,
    pub filter_all: &'static str,
    pub audience_resident: &'static str,
    pub audience_official: &'static str,
    pub audience_all: &'static str,
    pub certificate_badge: &'static str,
    pub course_start: &'static str,
    pub course_chapters: &'static str,
    pub quiz_badge: &'static str,
    pub breadcrumb_label: &'static str,
    pub toc_title: &'static str,
    pub prev_chapter: &'static str,
    pub next_chapter: &'static str,
    pub back_to_course: &'static str,
    pub home_courses_residents: &'static str,
    pub home_courses_officials: &'static str,
    pub home_all_courses: &'static str,
    pub no_courses: &'static str,
    pub load_error: &'static str,
    pub search_title: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub search_button: &'static str,
    pub search_hint: &'static str,
    pub search_none: &'static str,
    pub minutes: fn(u32) -> String,
    pub chapter_count: fn(usize) -> String,
    pub chapter_position: fn(usize, usize) -> String,
    pub search_count: fn(usize) -> String,
    // -- accounts: sign up, sign in, admin --
    // -- quiz and progress --
}

static VI: Texts = Texts {
    site_name: "Hocvu",
    site_tagline: "Bình dân học vụ số",
    skip_to_content: "Bỏ qua, đến nội dung chính",
    nav_label: "Điều hướng chính",
    nav_home: "Trang chủ",
    language_label: "Ngôn ngữ",
    footer_about: "Hocvu – nền tảng học kỹ năng số cho mọi người dân, phục vụ phong trào Bình dân học vụ số.",
    text_size_label: "Cỡ chữ",
    text_smaller: "Chữ nhỏ hơn",
    text_larger: "Chữ lớn hơn",
    home_title: "Học kỹ năng số, từng bước một",
    home_lead: "Hocvu giúp mọi người dân và cán bộ làm quen với điện thoại thông minh, dịch vụ công trực tuyến, thanh toán không dùng tiền mặt và cách tự bảo vệ mình trên mạng.",
    home_residents_title: "Cho người dân",
    home_residents_body: "Đọc bài học ngắn ngay trên điện thoại, không cần tài khoản. Làm bài kiểm tra nhanh để chắc mình đã hiểu.",
    home_officials_title: "Cho cán bộ, công chức",
    home_officials_body: "Xem các khóa học bắt buộc được giao, hạn hoàn thành và nhận chứng nhận có mã xác minh.",
    home_light_title: "Nhẹ và tiết kiệm dữ liệu",
    home_light_body: "Trang được thiết kế để tải nhanh trên mạng yếu và máy cấu hình thấp.",
    not_found_title: "Không tìm thấy trang",
    not_found_body: "Trang bạn tìm không tồn tại hoặc đã được chuyển đi.",
    back_home: "Về trang chủ",
    nav_courses: "Khóa học",
    nav_search: "Tìm kiếm",
    courses_title: "Các khóa học",
    courses_lead: "Chọn một khóa học và đọc từng bài ngắn. Không cần tài khoản.",
    filter_label: "Dành cho",
    filter_all: "Tất cả",
    audience_resident: "Người dân",
    audience_official: "Cán bộ, công chức",
    audience_all: "Mọi người",
    certificate_badge: "Có chứng nhận",
    course_start: "Bắt đầu học",
    course_chapters: "Các bài học",
    quiz_badge: "Có bài kiểm tra",
    breadcrumb_label: "Bạn đang ở",
    toc_title: "Trong bài này",
    prev_chapter: "Bài trước",
    next_chapter: "Bài tiếp theo",
    back_to_course: "Về trang khóa học",
    home_courses_residents: "Khóa học cho người dân",
    home_courses_officials: "Khóa học cho cán bộ, công chức",
    home_all_courses: "Xem tất cả khóa học",
    no_courses: "Chưa có khóa học nào.",
    load_error: "Không tải được nội dung. Vui lòng thử lại sau.",
    search_title: "Tìm kiếm",
    search_label: "Tìm trong tất cả bài học",
    search_placeholder: "Ví dụ: mã OTP, dịch vụ công",
    search_button: "Tìm",
    search_hint: "Có thể gõ không dấu, ví dụ: dien thoai.",
    search_none: "Không tìm thấy bài nào phù hợp. Hãy thử từ khác ngắn hơn.",
    minutes: |n| format!("{n} phút"),
    chapter_count: |n| format!("{n} bài"),
    chapter_position: |i, n| format!("Bài {i}/{n}"),
    search_count: |n| format!("Tìm thấy {n} bài"),
    // -- accounts: sign up, sign in, admin --
    // -- quiz and progress --
};

static EN: Texts = Texts {
    site_name: "Hocvu",
    site_tagline: "Digital popular education",
    skip_to_content: "Skip to main content",
    nav_label: "Main navigation",
    nav_home: "Home",
    language_label: "Language",
    footer_about: "Hocvu – a digital-skills learning platform for every resident, built for the digital popular education movement.",
    text_size_label: "Text size",
    text_smaller: "Smaller text",
    text_larger: "Larger text",
    home_title: "Learn digital skills, one step at a time",
    home_lead: "Hocvu helps residents and officials get comfortable with smartphones, online public services, cashless payments and staying safe online.",
    home_residents_title: "For residents",
    home_residents_body: "Read short lessons on your phone, no account needed. Take a quick quiz to check you understood.",
    home_officials_title: "For officials",
    home_officials_body: "See the required courses assigned to you and their deadlines, and get a certificate with a verification code.",
    home_light_title: "Light on data",
    home_light_body: "Pages are built to load fast on weak networks and low-end phones.",
    not_found_title: "Page not found",
    not_found_body: "The page you are looking for does not exist or has moved.",
    back_home: "Back to the home page",
    nav_courses: "Courses",
    nav_search: "Search",
    courses_title: "Courses",
    courses_lead: "Pick a course and read one short chapter at a time. No account needed.",
    filter_label: "For",
    filter_all: "Everyone",
    audience_resident: "Residents",
    audience_official: "Officials",
    audience_all: "Everyone",
    certificate_badge: "Certificate",
    course_start: "Start learning",
    course_chapters: "Chapters",
    quiz_badge: "Has a quiz",
    breadcrumb_label: "You are here",
    toc_title: "In this chapter",
    prev_chapter: "Previous",
    next_chapter: "Next",
    back_to_course: "Back to the course",
    home_courses_residents: "Courses for residents",
    home_courses_officials: "Courses for officials",
    home_all_courses: "See all courses",
    no_courses: "No courses yet.",
    load_error: "Could not load this content. Please try again later.",
    search_title: "Search",
    search_label: "Search every chapter",
    search_placeholder: "For example: OTP, public services",
    search_button: "Search",
    search_hint: "Vietnamese diacritics are optional, e.g. dien thoai.",
    search_none: "No chapter matches. Try a shorter or different word.",
    minutes: |n| format!("{n} min"),
    chapter_count: |n| if n == 1 { "1 chapter".to_string() } else { format!("{n} chapters") },
    chapter_position: |i, n| format!("Chapter {i} of {n}"),
    search_count: |n| if n == 1 { "1 chapter found".to_string() } else { format!("{n} chapters found") },
    // -- accounts: sign up, sign in, admin --
    // -- quiz and progress --
};

impl Texts {
    /// Label for a course audience.
    pub fn audience(&self, audience: crate::content::Audience) -> &'static str {
        use crate::content::Audience;
        match audience {
            Audience::Resident => self.audience_resident,
            Audience::Official => self.audience_official,
            Audience::All => self.audience_all,
        }
    }
}
