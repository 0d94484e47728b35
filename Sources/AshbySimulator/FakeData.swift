// Word lists for plausible fake PII and org structure. All names are invented combinations; emails
// use reserved example domains and phone numbers the fictional 555-01xx / Ofcom drama ranges.

enum FakeData {
    static let firstNames = [
        "Aisha", "Alejandro", "Amelia", "Anders", "Ananya", "Beatriz", "Benjamin", "Chen", "Chiara", "Daniel",
        "Dmitri", "Elena", "Emeka", "Fatima", "Felix", "Grace", "Hannah", "Haruto", "Ibrahim", "Ines", "Isaac",
        "Jakub", "Jana", "Javier", "Julia", "Kai", "Kamala", "Kenji", "Lars", "Leila", "Liam", "Lucia", "Maya",
        "Mateo", "Mei", "Mohammed", "Nadia", "Noah", "Olga", "Omar", "Priya", "Rafael", "Rosa", "Sami", "Sara",
        "Sofia", "Tariq", "Tomas", "Valentina", "Wei", "Yara", "Yusuf", "Zofia", "Oliver", "Charlotte", "Ethan",
        "Ava", "Lucas", "Mia", "Henry", "Nora", "Arjun", "Ingrid", "Pedro", "Aylin", "Kofi", "Hana", "Mikael",
    ]
    static let lastNames = [
        "Adeyemi", "Andersson", "Bauer", "Bianchi", "Chen", "Costa", "Dubois", "Eriksen", "Fernandes", "Fischer",
        "Garcia", "Gupta", "Hansen", "Hernandez", "Ito", "Jansen", "Kim", "Kowalski", "Kumar", "Larsen", "Lee",
        "Lopez", "Martin", "Meyer", "Moreau", "Müller", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel",
        "Petrov", "Popescu", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Suzuki", "Tanaka", "Torres",
        "Van Dijk", "Wagner", "Walker", "Wang", "Williams", "Yilmaz", "Zhang", "O'Brien", "Kovač", "Haddad",
    ]
    static let emailDomains = ["example.com", "example.org", "example.net", "mail.example", "inbox.example"]
    static let positions = [
        "Software Engineer", "Senior Software Engineer", "Staff Engineer", "Product Manager", "Product Designer",
        "Data Scientist", "Account Executive", "Customer Success Manager", "Recruiter", "Engineering Manager",
        "DevOps Engineer", "Marketing Manager", "Financial Analyst", "Sales Development Representative",
        "Full Stack Engineer", "Security Engineer", "Technical Writer", "QA Engineer",
    ]
    static let companies = [
        "Northwind Traders", "Contoso", "Fabrikam", "Initech", "Globex", "Umbrella Analytics", "Stark Logistics",
        "Wayne Fintech", "Tyrell Systems", "Hooli", "Pied Piper", "Vandelay Industries", "Acme Cloud", "Soylent Labs",
    ]
    static let schools = [
        "University of Lisbon", "TU Munich", "University of Toronto", "Seoul National University", "ETH Zurich",
        "University of Cape Town", "Politecnico di Milano", "University of Melbourne", "UC Berkeley",
        "University of Warsaw", "IIT Bombay", "University of Edinburgh", nil, nil,
    ]
    static let timezones = ["Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo",
                            "Europe/Warsaw", "Asia/Kolkata", "America/Sao_Paulo", "Australia/Sydney"]
    static let divisions = ["Engineering", "Product", "Design", "Sales", "Marketing", "Customer Success", "Finance",
                            "People", "Operations", "Legal", "Data", "Security", "Support", "Partnerships"]
    static let teamWords = ["Platform", "Payments", "Growth", "Core", "Mobile", "Infrastructure", "Identity",
                            "Search", "Billing", "Analytics", "Integrations", "Enterprise", "SMB", "EMEA", "APAC",
                            "Americas", "Onboarding", "Reliability", "Tooling", "Insights", "Compliance", "Brand"]
    static let teamSuffixes = ["", " Team", " Squad", " Pod", " Group"]
    static let jobLevels = ["", "Senior ", "Staff ", "Principal ", "Junior ", "Lead "]
    static let jobRoles: [String: [String]] = [
        "Engineering": ["Backend Engineer", "Frontend Engineer", "Full-Stack Engineer", "iOS Engineer", "SRE"],
        "Product": ["Product Manager", "Technical Product Manager"],
        "Design": ["Product Designer", "UX Researcher"],
        "Sales": ["Account Executive", "Sales Engineer", "SDR"],
        "Marketing": ["Content Marketer", "Growth Marketer"],
        "Customer Success": ["Customer Success Manager", "Implementation Manager"],
        "Finance": ["Financial Analyst", "Controller"],
        "People": ["Recruiter", "People Partner"],
        "Operations": ["Business Operations Analyst"],
        "Legal": ["Counsel"],
        "Data": ["Data Scientist", "Analytics Engineer", "Data Engineer"],
        "Security": ["Security Engineer"],
        "Support": ["Support Specialist"],
        "Partnerships": ["Partner Manager"],
    ]
    /// (city, region, country, timezone-ish postal prefix)
    static let cities: [(String, String, String)] = [
        ("San Francisco", "California", "United States"), ("New York", "New York", "United States"),
        ("Austin", "Texas", "United States"), ("Seattle", "Washington", "United States"),
        ("Boston", "Massachusetts", "United States"), ("Chicago", "Illinois", "United States"),
        ("Denver", "Colorado", "United States"), ("Toronto", "Ontario", "Canada"), ("Vancouver", "British Columbia", "Canada"),
        ("Mexico City", "CDMX", "Mexico"), ("São Paulo", "São Paulo", "Brazil"), ("Buenos Aires", "Buenos Aires", "Argentina"),
        ("London", "England", "United Kingdom"), ("Manchester", "England", "United Kingdom"), ("Dublin", "Leinster", "Ireland"),
        ("Paris", "Île-de-France", "France"), ("Berlin", "Berlin", "Germany"), ("Munich", "Bavaria", "Germany"),
        ("Amsterdam", "North Holland", "Netherlands"), ("Madrid", "Madrid", "Spain"), ("Barcelona", "Catalonia", "Spain"),
        ("Lisbon", "Lisbon", "Portugal"), ("Milan", "Lombardy", "Italy"), ("Zurich", "Zurich", "Switzerland"),
        ("Stockholm", "Stockholm", "Sweden"), ("Copenhagen", "Capital Region", "Denmark"), ("Oslo", "Oslo", "Norway"),
        ("Helsinki", "Uusimaa", "Finland"), ("Warsaw", "Masovian Voivodeship", "Poland"), ("Prague", "Prague", "Czechia"),
        ("Vienna", "Vienna", "Austria"), ("Tel Aviv", "Tel Aviv District", "Israel"), ("Dubai", "Dubai", "United Arab Emirates"),
        ("Bangalore", "Karnataka", "India"), ("Singapore", "Singapore", "Singapore"), ("Tokyo", "Tokyo", "Japan"),
        ("Seoul", "Seoul", "South Korea"), ("Sydney", "New South Wales", "Australia"), ("Melbourne", "Victoria", "Australia"),
        ("Auckland", "Auckland", "New Zealand"), ("Cape Town", "Western Cape", "South Africa"), ("Lagos", "Lagos", "Nigeria"),
    ]
    static let currencies: [String: String] = [
        "United States": "USD", "Canada": "CAD", "United Kingdom": "GBP", "Germany": "EUR", "France": "EUR",
        "Ireland": "EUR", "Netherlands": "EUR", "Spain": "EUR", "Portugal": "EUR", "Italy": "EUR", "Austria": "EUR",
        "Finland": "EUR", "Switzerland": "CHF", "Sweden": "SEK", "Denmark": "DKK", "Norway": "NOK", "Poland": "PLN",
        "Czechia": "CZK", "India": "INR", "Japan": "JPY", "Singapore": "SGD", "Australia": "AUD", "Brazil": "BRL",
    ]

    static func slug(_ s: String) -> String {
        String(s.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
            .map(Character.init))
    }
}
